/// The export formats `drs import` reads, each with its own importer over `ImportedCluster`.
package enum ImportFormat: String, Sendable, CaseIterable {
    /// `kubectl get nodes,pods -A -o json` (`KubernetesImporter`).
    case kubernetes
    /// `pvesh get /cluster/resources --output-format json`, with `/cluster/ha/groups` and
    /// `/cluster/ha/resources` (`ProxmoxImporter`).
    case proxmox
    /// `govc vm.info -json`, `govc host.info -json` and `govc object.collect -json CLUSTER name
    /// configurationEx` (`GovcImporter`).
    case govc
    /// An RVTools export, `.xlsx` or per-tab CSV (`RVToolsImporter`).
    case rvtools

    /// The cluster the files describe, before `ImportedCluster.snapshot` checks it.
    package func read(_ files: [ImportFile], options: ImportOptions) throws(ImportError) -> ImportedCluster {
        switch self {
        case .kubernetes: return try KubernetesImporter.read(files, options: options)
        case .proxmox: return try ProxmoxImporter.read(files, options: options)
        case .govc: return try GovcImporter.read(files, options: options)
        case .rvtools: return try RVToolsImporter.read(files, options: options)
        }
    }

    /// What to run on the platform to get the files, for help and errors.
    package var exportCommands: String {
        switch self {
        case .kubernetes: return "kubectl get nodes,pods -A -o json > cluster.json"
        case .proxmox: return "pvesh get /cluster/resources --output-format json > resources.json (and /cluster/ha/groups, /cluster/ha/resources)"
        case .govc: return "govc host.info -json -host '*' > hosts.json; govc vm.info -json '*' > vms.json; govc object.collect -json CLUSTER name configurationEx > cluster.json"
        case .rvtools: return "RVTools -s VCENTER -c ExportAll2xlsx -d DIR -f rvtools.xlsx (or ExportAll2csv: give RVTools_tabvInfo.csv, RVTools_tabvHost.csv, RVTools_tabvCluster.csv, RVTools_tabvDatastore.csv, RVTools_tabvCPU.csv); --name picks one cluster of several"
        }
    }
}

#!/usr/bin/env python3
"""Writes the RVTools fixture of Datasets/import/rvtools: the per-tab CSV files (as RVTools'
ExportAll2csv writes them: every field quoted, CRLF line ends) and the same tabs as one .xlsx
workbook (shared strings, numbers as numeric cells), from the tables below. Standard library only.

    python3 scripts/rvtools-fixture.py Datasets/import/rvtools
"""
import os
import sys
import zipfile
from xml.sax.saxutils import escape

SERVER = "vcenter-01.lab.example"

VHOST = [
    ["Host", "Datacenter", "Cluster", "Config status", "in Maintenance Mode", "in Quarantine Mode", "CPU Model", "Speed",
     "HT Available", "# CPU", "Cores per CPU", "# Cores", "CPU usage %", "# Memory", "Memory usage %", "# NICs", "# HBAs",
     "# VMs", "ESX Version", "Object ID", "UUID", "VI SDK Server"],
    ["esx-a01.lab.example", "DC-01", "Prod-A", "green", "False", "False", "Intel(R) Xeon(R) Gold 6326 CPU @ 2.90GHz", 2600,
     "True", 2, 16, 32, 21, 524288, 38, 4, 2, 3, "VMware ESXi 8.0.2 build-22380479", "host-1001", "4c4c4544-0031-3510-8052-b4c04f564433", SERVER],
    ["esx-a02.lab.example", "DC-01", "Prod-A", "green", "False", "False", "Intel(R) Xeon(R) Gold 6326 CPU @ 2.90GHz", 2600,
     "True", 2, 16, 32, 17, 524288, 29, 4, 2, 3, "VMware ESXi 8.0.2 build-22380479", "host-1002", "4c4c4544-0031-3510-8052-b4c04f564434", SERVER],
    ["esx-a03.lab.example", "DC-01", "Prod-A", "yellow", "True", "False", "Intel(R) Xeon(R) Gold 6326 CPU @ 2.90GHz", 2600,
     "True", 2, 16, 32, 9, 524288, 17, 4, 2, 2, "VMware ESXi 8.0.2 build-22380479", "host-1003", "4c4c4544-0031-3510-8052-b4c04f564435", SERVER],
    ["esx-a04.lab.example", "DC-01", "Prod-A", "green", "False", "False", "Intel(R) Xeon(R) Silver 4210R CPU @ 2.40GHz", 2100,
     "True", 2, 10, 20, 4, 262144, 6, 2, 2, 1, "VMware ESXi 7.0.3 build-21930508", "host-1004", "4c4c4544-0031-3510-8052-b4c04f564436", SERVER],
]

VINFO_COLUMNS = ["VM", "Powerstate", "Template", "Config status", "DNS Name", "Connection state", "Guest state", "Heartbeat",
                 "PowerOn", "CPUs", "Memory", "Active Memory", "NICs", "Disks", "Total disk capacity MiB", "Primary IP Address",
                 "Resource pool", "Folder", "FT State", "FT Role", "Provisioned MiB", "In Use MiB", "HA Restart Priority",
                 "HA Isolation Response", "Cluster rule(s)", "Cluster rule name(s)", "Path", "Datacenter", "Cluster", "Host",
                 "OS according to the configuration file", "VM ID", "VM UUID", "VI SDK Server"]


def vm(name, state, cpus, memory, active, disk_mib, in_use, ha, path, host, vm_id, template="False", ft="notConfigured",
       role="", rules="", rule_names="", guest="running", heartbeat="green", ip="10.20.0.10"):
    return [name, state, template, "green", name + ".lab.example", "connected", guest if state == "poweredOn" else "notRunning",
            heartbeat if state == "poweredOn" else "gray", "2026/10/04 09:12:33" if state == "poweredOn" else "", cpus, memory,
            active, 1, 1, disk_mib, ip if state == "poweredOn" else "", "/DC-01/host/Prod-A/Resources", "/DC-01/vm/Prod",
            ft, role, disk_mib + memory, in_use, ha, "", rules, rule_names, path, "DC-01", "Prod-A", host,
            "Ubuntu Linux (64-bit)", vm_id, "5003c2f1-9d2e-7a41-8c55-0a1b2c3d%04x" % int(vm_id.split("-")[1]), SERVER]


VINFO = [VINFO_COLUMNS,
    vm("web-01", "poweredOn", 4, 8192, 3120, 61440, 40960, "clusterRestartPriority", "[vsan-prod-a] web-01/web-01.vmx",
       "esx-a01.lab.example", "vm-2001", rules="web-spread (anti-affinity)", rule_names="web-spread", ip="10.20.0.11"),
    vm("web-02", "poweredOn", 4, 8192, 2890, 61440, 39012, "clusterRestartPriority", "[vsan-prod-a] web-02/web-02.vmx",
       "esx-a01.lab.example", "vm-2002", rules="web-spread (anti-affinity)", rule_names="web-spread", ip="10.20.0.12"),
    vm("web-03", "poweredOn", 4, 8192, 3302, 61440, 41230, "clusterRestartPriority", "[vsan-prod-a] web-03/web-03.vmx",
       "esx-a02.lab.example", "vm-2003", rules="web-spread (anti-affinity)", rule_names="web-spread", ip="10.20.0.13"),
    vm("sql-01", "poweredOn", 8, 65536, 41200, 512000, 402113, "high", "[san-gold-01] sql-01/sql-01.vmx",
       "esx-a03.lab.example", "vm-2010", ft="running", role="1", ip="10.20.1.5"),
    vm("app-01", "poweredOn", 4, 16384, 9650, 102400, 60480, "medium", "[san-gold-01] app-01/app-01.vmx",
       "esx-a03.lab.example", "vm-2020", ip="10.20.2.21"),
    vm("app-02", "poweredOn", 4, 16384, 10210, 102400, 58002, "medium", "[vsan-prod-a] app-02/app-02.vmx",
       "esx-a02.lab.example", "vm-2021", ip="10.20.2.22"),
    vm("backup-proxy", "poweredOff", 4, 8192, 0, 40960, 22011, "disabled", "[nfs-backup] backup-proxy/backup-proxy.vmx",
       "esx-a04.lab.example", "vm-2030"),
    vm("build-07", "suspended", 8, 32768, 0, 204800, 150020, "low", "[vsan-prod-a] build-07/build-07.vmx",
       "esx-a02.lab.example", "vm-2040"),
    vm("ubuntu-22.04-tmpl", "poweredOff", 2, 4096, 0, 40960, 8012, "", "[vsan-prod-a] ubuntu-22.04-tmpl/ubuntu-22.04-tmpl.vmtx",
       "esx-a01.lab.example", "vm-2090", template="True"),
]

VCPU = [
    ["VM", "Powerstate", "Template", "SRM Placeholder", "CPUs", "Sockets", "Cores p/s", "Max", "Overall", "Level", "Shares",
     "Reservation", "Entitlement", "DRS Entitlement", "Limit", "Hot Add", "Hot Remove", "Datacenter", "Cluster", "Host", "VM ID", "VI SDK Server"],
    ["web-01", "poweredOn", "False", "False", 4, 2, 2, 10400, 2410, "normal", 4000, 0, 2460, 2460, -1, "False", "False", "DC-01", "Prod-A", "esx-a01.lab.example", "vm-2001", SERVER],
    ["web-02", "poweredOn", "False", "False", 4, 2, 2, 10400, 1980, "normal", 4000, 0, 2012, 2012, -1, "False", "False", "DC-01", "Prod-A", "esx-a01.lab.example", "vm-2002", SERVER],
    ["web-03", "poweredOn", "False", "False", 4, 2, 2, 10400, 2655, "normal", 4000, 0, 2700, 2700, -1, "False", "False", "DC-01", "Prod-A", "esx-a02.lab.example", "vm-2003", SERVER],
    ["sql-01", "poweredOn", "False", "False", 8, 2, 4, 20800, 9120, "high", 16000, 4000, 9300, 9300, -1, "False", "False", "DC-01", "Prod-A", "esx-a03.lab.example", "vm-2010", SERVER],
    ["app-01", "poweredOn", "False", "False", 4, 1, 4, 10400, 3310, "normal", 4000, 0, 3400, 3400, -1, "False", "False", "DC-01", "Prod-A", "esx-a03.lab.example", "vm-2020", SERVER],
    ["app-02", "poweredOn", "False", "False", 4, 1, 4, 10400, 2870, "normal", 4000, 0, 2900, 2900, -1, "False", "False", "DC-01", "Prod-A", "esx-a02.lab.example", "vm-2021", SERVER],
    ["backup-proxy", "poweredOff", "False", "False", 4, 1, 4, 0, 0, "normal", 4000, 0, 0, 0, -1, "False", "False", "DC-01", "Prod-A", "esx-a04.lab.example", "vm-2030", SERVER],
    ["build-07", "suspended", "False", "False", 8, 2, 4, 0, 0, "normal", 8000, 0, 0, 0, -1, "False", "False", "DC-01", "Prod-A", "esx-a02.lab.example", "vm-2040", SERVER],
]

VDATASTORE = [
    ["Name", "Config status", "Address", "Accessible", "Type", "# VMs total", "# VMs", "Capacity MiB", "Provisioned MiB",
     "In Use MiB", "Free MiB", "Free %", "# Hosts", "Hosts", "URL", "Object ID", "VI SDK Server"],
    ["vsan-prod-a", "green", "", "True", "vsan", 7, 6, 15728640, 9437184, 6291456, 9437184, 60, 4,
     "esx-a01.lab.example, esx-a02.lab.example, esx-a03.lab.example, esx-a04.lab.example", "ds:///vmfs/volumes/vsan:52c1a8f0d8e34a11-9b3ef8a2c4d5e6f7/", "datastore-3001", SERVER],
    ["san-gold-01", "green", "", "True", "VMFS", 2, 2, 4194304, 1228800, 870412, 3323892, 79, 3,
     "esx-a01.lab.example, esx-a02.lab.example, esx-a03.lab.example", "ds:///vmfs/volumes/64f1a2b3-c4d5e6f7-1a2b-0050568a1b2c/", "datastore-3002", SERVER],
    ["nfs-backup", "green", "10.20.9.5:/export/backup", "True", "NFS", 1, 0, 8388608, 49152, 22011, 8366597, 99, 1,
     "esx-a04.lab.example", "ds:///vmfs/volumes/1a2b3c4d-5e6f7a8b/", "datastore-3003", SERVER],
    ["local-esx-a03", "green", "", "False", "VMFS", 0, 0, 286720, 0, 1423, 285297, 99, 1,
     "esx-a03.lab.example", "ds:///vmfs/volumes/5f1e2d3c-4b5a6978-8a9b-b4c04f564435/", "datastore-3004", SERVER],
]

VCLUSTER = [
    ["Name", "Config status", "OverallStatus", "NumHosts", "numEffectiveHosts", "TotalCpu", "NumCpuCores", "NumCpuThreads",
     "Effective Cpu", "TotalMemory", "Effective Memory", "Num VMotions", "HA enabled", "Failover Level", "AdmissionControlEnabled",
     "Host monitoring", "HB Datastore Candidate Policy", "Isolation Response", "Restart Priority", "Cluster Settings",
     "Max Failures", "Max Failure Window", "Failure Interval", "Min Up Time", "VM Monitoring", "DRS enabled",
     "DRS default VM behavior", "DRS vmotion rate", "DPM enabled", "DPM default behavior", "DPM Host Power Action Rate",
     "Object ID", "VI SDK Server"],
    ["Prod-A", "yellow", "yellow", 4, 3, 291200, 116, 232, 218000, 1965760, 1310720, 412, "True", 1, "True", "enabled",
     "allFeasibleDsWithUserPreference", "powerOff", "medium", "True", 3, -1, 30, 120, "vmMonitoringDisabled", "True",
     "fullyAutomated", 3, "False", "automated", 3, "domain-c7", SERVER],
]

TABS = [("vInfo", VINFO), ("vCPU", VCPU), ("vHost", VHOST), ("vDatastore", VDATASTORE), ("vCluster", VCLUSTER)]


def write_csv(folder, name, table):
    def field(value):
        return '"' + str(value).replace('"', '""') + '"'
    with open(os.path.join(folder, "RVTools_tab%s.csv" % name), "w", encoding="utf-8", newline="") as out:
        for row in table:
            out.write(",".join(field(v) for v in row) + "\r\n")


def column_name(index):
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path, tabs):
    strings, lookup = [], {}

    def shared(text):
        if text not in lookup:
            lookup[text] = len(strings)
            strings.append(text)
        return lookup[text]

    sheets = []
    for _, table in tabs:
        rows = []
        for r, row in enumerate(table, start=1):
            cells = []
            for c, value in enumerate(row):
                ref = "%s%d" % (column_name(c), r)
                if isinstance(value, (int, float)):
                    cells.append('<c r="%s"><v>%s</v></c>' % (ref, value))
                elif value != "":
                    cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, shared(str(value))))
            rows.append('<row r="%d">%s</row>' % (r, "".join(cells)))
        sheets.append('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      '<sheetData>%s</sheetData></worksheet>' % "".join(rows))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   + "".join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1) for i in range(len(tabs)))
                   + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % rel)
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets></workbook>'
                   % (main, rel, "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name, i + 1, i + 1) for i, (name, _) in enumerate(tabs))))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s'
                   '<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
                   % ("".join('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, rel, i + 1) for i in range(len(tabs))),
                      len(tabs) + 1, rel))
        for i, sheet in enumerate(sheets):
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1), sheet)
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>'
                   % (main, len(strings), len(strings), "".join("<si><t>%s</t></si>" % escape(s) for s in strings)))


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "Datasets/import/rvtools"
    os.makedirs(folder, exist_ok=True)
    for name, table in TABS:
        write_csv(folder, name, table)
    write_xlsx(os.path.join(folder, "rvtools.xlsx"), TABS)


if __name__ == "__main__":
    main()

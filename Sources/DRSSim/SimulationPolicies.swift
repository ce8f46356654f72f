/// The policies `drs simulate --policy` knows by name.
public enum SimulationPolicies {
    /// The policy `drs simulate` runs when none is named.
    public static let defaultName = "lr-mmt-1.2"

    /// Every name listed in help, the reference policies first.
    public static var names: [String] { ["lr-mmt-1.2", "thr-mmt-0.8"] }

    /// The policy called `name`: a listed name, `lr-mmt-S` or `thr-mmt-T`; nil for an unknown name.
    public static func policy(named name: String) -> (any SimulationPolicy)? {
        if let reference = ReferencePolicy(name: name) { return reference }
        return nil
    }
}

/// A small JSON object writer for the simulator's flat records: keys in the order given,
/// numbers in Swift's shortest round-trip form, strings escaped.
struct JSONObjectWriter {
    private var fields: [String] = []

    mutating func add(_ key: String, _ value: String) { fields.append("\(Self.quote(key)): \(Self.quote(value))") }
    mutating func add(_ key: String, _ value: Int) { fields.append("\(Self.quote(key)): \(value)") }
    mutating func add(_ key: String, _ value: Double) { fields.append("\(Self.quote(key)): \(Self.number(value))") }

    /// The object on one line.
    var line: String { "{" + fields.joined(separator: ", ") + "}" }
    /// The object with one field per line.
    var pretty: String { "{\n  " + fields.joined(separator: ",\n  ") + "\n}" }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension SimulationResult {
    /// The result as `drs simulate` prints it: energy (kWh), SLATAH, PDM, SLAV, ESV (fractions,
    /// not percent), migrations, steps and the other totals, one field per line.
    public var json: String {
        var object = JSONObjectWriter()
        object.add("policy", policy)
        object.add("setup", world)
        object.add("hosts", hosts)
        object.add("vms", vms)
        object.add("steps", metrics.steps)
        object.add("energyKWh", metrics.energyKWh)
        object.add("slatah", metrics.slatah)
        object.add("pdm", metrics.pdm)
        object.add("slav", metrics.slav)
        object.add("esv", metrics.esv)
        object.add("migrations", metrics.migrations)
        object.add("meanActiveHosts", metrics.meanActiveHosts)
        object.add("maxActiveHosts", metrics.maxActiveHosts)
        object.add("overloadedHostSteps", metrics.overloadedHostSteps)
        object.add("unmetDemand", metrics.unmetDemand)
        object.add("unplaced", metrics.unplaced)
        object.add("vmsEnded", metrics.ended)
        object.add("refusedMigrations", metrics.refusedMigrations)
        object.add("droppedWaves", metrics.droppedWaves)
        object.add("policySeconds", metrics.policySeconds)
        object.add("seconds", seconds)
        return object.pretty
    }
}

extension StepRecord {
    /// One line of `drs simulate --output`.
    public var jsonLine: String {
        var object = JSONObjectWriter()
        object.add("step", step)
        object.add("time", time)
        object.add("vms", vms)
        object.add("activeHosts", activeHosts)
        object.add("overloadedHosts", overloadedHosts)
        object.add("violatingHosts", violatingHosts)
        object.add("migrations", migrations)
        object.add("energyKWh", energyKWh)
        object.add("requestedMips", requestedMips)
        object.add("policySeconds", policySeconds)
        return object.line
    }
}

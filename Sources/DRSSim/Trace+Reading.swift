import Foundation

extension Trace {
    /// Reads a PlanetLab trace folder: one file per VM, named by its id, taken in name order;
    /// each line one CPU utilization in percent (a number >= 0), one line per step. Every file
    /// must hold `steps` values (nil: as many as the first file). Hidden files (`.name`) are
    /// skipped. Throws `TraceError` naming each bad file and line.
    public static func readPlanetLab(folder: String, steps expected: Int? = nil) throws -> Trace {
        var problems = TraceIssues()
        let names = try planetLabFiles(folder)
        var ids: [String] = []
        var values: [Double] = []
        var sources: [String] = []
        var steps = expected
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.add(path, "cannot read the file")
                continue
            }
            let lines = traceLines(Array(data))
            let wanted = steps ?? lines.count
            if steps == nil { steps = wanted }
            var fileValues: [Double] = []
            fileValues.reserveCapacity(wanted)
            for (index, raw) in lines.enumerated() {
                let text = raw.trimmingCharacters(in: .whitespaces)
                if index >= wanted {
                    problems.add(path, line: index + 1, "value \(index + 1) is beyond the \(wanted) steps expected (one per step); the file has \(lines.count) lines")
                    break
                }
                guard let value = traceNumber(Substring(text)), value >= 0 else {
                    let found = text.isEmpty ? "an empty line" : quoted(Substring(text))
                    problems.add(path, line: index + 1, "expected a CPU utilization in percent (a number >= 0), got \(found)")
                    fileValues.append(0)
                    continue
                }
                fileValues.append(value / 100.0)
            }
            if lines.count < wanted {
                problems.add(path, line: lines.count + 1, "the file ends after \(lines.count) values; expected \(wanted) (one per step)")
            }
            fileValues += Array(repeating: 0, count: max(0, wanted - fileValues.count))
            ids.append(name)
            values += fileValues.prefix(wanted)
            sources.append(path)
        }
        try problems.throwIfAny()
        return Trace(vmIDs: ids, steps: steps ?? 0, cpu: values, cpuIsFraction: true, sources: sources)
    }

    /// The trace files of a PlanetLab folder in name order (byte order of the UTF-8 names).
    static func planetLabFiles(_ folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw TraceError(issues: [TraceIssue(file: folder, line: 0, message: "no such folder (--trace names a folder of PlanetLab files, one per VM)")])
        }
        guard isDirectory.boolValue else {
            throw TraceError(issues: [TraceIssue(file: folder, line: 0, message: "is a file; the planetlab format reads a folder with one file per VM (use --format csv for a CSV file)")])
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let names = entries.filter { name in
            var isFolder: ObjCBool = false
            let path = (folder as NSString).appendingPathComponent(name)
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
        }
        guard !names.isEmpty else {
            throw TraceError(issues: [TraceIssue(file: folder, line: 0, message: "the folder holds no trace files")])
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Reads a CSV trace: rows `vm,time,resource,value` (an optional header row naming those
    /// columns), time in seconds from the start and a multiple of `interval`, value a number
    /// >= 0 in the snapshot's units. Every VM must have a value for every step from 0 to the
    /// last time in the file (or `steps` steps when given), for `cpu` and each other resource
    /// it names. Throws `TraceError` naming each bad line.
    public static func readCSV(path: String, interval: Double, steps expected: Int? = nil) throws -> Trace {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError(issues: [TraceIssue(file: path, line: 0, message: "cannot read the file (no such file, or a folder: the csv format reads one file)")])
        }
        var problems = TraceIssues()
        var rows = CSVRows()
        for (index, raw) in traceLines(Array(data)).enumerated() {
            let line = index + 1
            let fields = raw.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if line == 1, fields.first?.lowercased() == "vm" { continue }
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == 4 else {
                problems.add(path, line: line, "expected 4 fields vm,time,resource,value, got \(fields.count)")
                continue
            }
            rows.add(fields, line: line, interval: interval, file: path, problems: &problems)
        }
        return try rows.trace(file: path, steps: expected, problems: &problems)
    }
}

/// The rows of a CSV trace, gathered per VM and resource before they are laid out by step.
struct CSVRows {
    var order: [String] = []
    var firstLine: [String: Int] = [:]
    var values: [String: [String: [Int: Double]]] = [:]
    var resources: [String] = []
    var lastStep = -1

    mutating func add(_ fields: [String], line: Int, interval: Double, file: String, problems: inout TraceIssues) {
        let (vm, resource) = (fields[0], fields[2])
        guard !vm.isEmpty else { return problems.add(file, line: line, "empty VM id") }
        guard !resource.isEmpty else { return problems.add(file, line: line, "empty resource name") }
        guard let time = traceNumber(Substring(fields[1])), time >= 0 else {
            return problems.add(file, line: line, "time: expected seconds from the start (a number >= 0), got \(quoted(Substring(fields[1])))")
        }
        let step = (time / interval).rounded()
        guard abs(step * interval - time) < 1e-6 * max(1, time), step < 10_000_000 else {
            return problems.add(file, line: line, "time \(fields[1]) is not a multiple of the \(interval)-second interval")
        }
        guard let value = traceNumber(Substring(fields[3])), value >= 0 else {
            return problems.add(file, line: line, "value: expected a number >= 0, got \(quoted(Substring(fields[3])))")
        }
        if firstLine[vm] == nil {
            firstLine[vm] = line
            order.append(vm)
        }
        if !resources.contains(resource) { resources.append(resource) }
        if values[vm, default: [:]][resource, default: [:]][Int(step)] != nil {
            return problems.add(file, line: line, "a second \(resource) value for VM \(quoted(Substring(vm))) at time \(fields[1])")
        }
        values[vm, default: [:]][resource, default: [:]][Int(step)] = value
        lastStep = max(lastStep, Int(step))
    }

    func trace(file: String, steps expected: Int?, problems: inout TraceIssues) throws -> Trace {
        if order.isEmpty { problems.add(file, "no rows: expected vm,time,resource,value rows") }
        if !resources.contains("cpu") && !order.isEmpty { problems.add(file, "no cpu rows: the trace must give each VM's cpu demand") }
        try problems.throwIfAny()
        let steps = expected ?? lastStep + 1
        var cpu: [Double] = []
        var other: [String: [Double]] = [:]
        for vm in order {
            for resource in resources {
                let series = values[vm]?[resource] ?? [:]
                let line = firstLine[vm] ?? 0
                if let beyond = series.keys.filter({ $0 >= steps }).min() {
                    problems.add(file, line: line, "VM \(quoted(Substring(vm))) has a \(resource) value at step \(beyond), beyond the \(steps) steps expected")
                }
                let missing = (0..<steps).filter { series[$0] == nil }
                if let first = missing.first {
                    problems.add(file, line: line, "VM \(quoted(Substring(vm))) has no \(resource) value for \(missing.count) of the \(steps) steps (the first at step \(first)); every VM needs one per step")
                }
                let laid = (0..<steps).map { series[$0] ?? 0 }
                if resource == "cpu" { cpu += laid } else { other[resource, default: []] += laid }
            }
        }
        try problems.throwIfAny()
        return Trace(vmIDs: order, steps: steps, cpu: cpu, other: other, cpuIsFraction: false,
                     sources: order.map { "\(file):\(firstLine[$0] ?? 0)" })
    }
}

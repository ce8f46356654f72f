import DRSModel

/// A problem in a challenge file, at a 1-based line (0: the file as a whole): what was expected
/// and what was found.
public typealias RoadefFormatError = FileIssue

/// Reads the whitespace-separated whole numbers of a challenge file one at a time, keeping the
/// line of each, so every error names its place. O(file size), no token array.
struct RoadefTokenReader {
    /// The largest value a field may hold: the challenge's data are 32-bit integers.
    static let maximumValue = Int(Int32.max)

    let bytes: [UInt8]
    let file: String
    private(set) var offset = 0
    private(set) var line = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    func error(_ message: String, line: Int? = nil) -> RoadefFormatError {
        RoadefFormatError(file: file, line: line ?? self.line, message: message)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    private mutating func skipWhitespace() {
        while offset < bytes.count, RoadefTokenReader.isSpace(bytes[offset]) {
            if bytes[offset] == 0x0A { line += 1 }
            offset += 1
        }
    }

    /// The byte range of the next token, or nil at the end of the file.
    private mutating func nextToken() -> Range<Int>? {
        skipWhitespace()
        guard offset < bytes.count else { return nil }
        let start = offset
        while offset < bytes.count, !RoadefTokenReader.isSpace(bytes[offset]) { offset += 1 }
        return start..<offset
    }

    /// A token as text for messages, cut at 40 bytes.
    private func shown(_ token: Range<Int>) -> String {
        let text = String(decoding: bytes[token.lowerBound..<min(token.upperBound, token.lowerBound + 40)], as: UTF8.self)
        return token.count > 40 ? text + "..." : text
    }

    /// The value of an optionally signed decimal token; nil when it is not one or has more
    /// than 18 digits (beyond every range read here).
    private func value(_ token: Range<Int>) -> Int? {
        var index = token.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        guard index < token.upperBound, token.upperBound - index <= 18 else { return nil }
        var result = 0
        while index < token.upperBound {
            let digit = Int(bytes[index]) - 48
            guard (0...9).contains(digit) else { return nil }
            result = result * 10 + digit
            index += 1
        }
        return negative ? -result : result
    }

    /// The next whole number in `range`; `what` names the field in errors
    /// ("capacity of resource 2 of machine 7").
    mutating func integer(_ what: String, in range: ClosedRange<Int> = 0...maximumValue) throws(RoadefFormatError) -> Int {
        guard let token = nextToken() else {
            throw error("the file ends where \(what) was expected")
        }
        guard let value = value(token) else {
            throw error("\(what): expected a whole number, got \"\(shown(token))\"")
        }
        guard range.contains(value) else {
            throw error("\(what): must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A count of items that each take at least `tokensEach` more numbers: refused when the rest
    /// of the file is too short to hold them (so a hostile count allocates nothing).
    mutating func count(_ what: String, tokensEach: Int, minimum: Int = 0) throws(RoadefFormatError) -> Int {
        let value = try integer(what, in: minimum...RoadefTokenReader.maximumValue)
        try requireRoom(value, tokensEach: tokensEach, what)
        return value
    }

    /// Throws unless the rest of the file can hold `count` items of `tokensEach` numbers.
    func requireRoom(_ count: Int, tokensEach: Int, _ what: String) throws(RoadefFormatError) {
        let (needed, overflow) = count.multipliedReportingOverflow(by: max(1, tokensEach))
        // Each number takes at least one character and one separator (the last may have none).
        if overflow || needed > (bytes.count - offset + 1) / 2 {
            throw error("\(what) is \(count), more than the rest of the file can describe")
        }
    }

    /// Throws unless only whitespace is left.
    mutating func expectEnd() throws(RoadefFormatError) {
        if let token = nextToken() {
            throw error("unexpected \"\(shown(token))\" after the end of the data")
        }
    }
}

extension RoadefInstance {
    /// Reads a model file (`model_*.txt`): resources, machines, services, processes, balance
    /// objectives and weights, in the challenge's order. Every number must be a whole number
    /// from 0 to 2^31 - 1, every index in range, and nothing may follow the data.
    /// - Throws: `RoadefFormatError` naming the line and the field.
    public static func read(model bytes: [UInt8], file: String) throws(RoadefFormatError) -> RoadefInstance {
        var reader = RoadefTokenReader(bytes: bytes, file: file)
        var instance = RoadefInstance()
        let resourceCount = try reader.count("the number of resources", tokensEach: 2, minimum: 1)
        for r in 0..<resourceCount {
            instance.transient.append(try reader.integer("transient flag of resource \(r)", in: 0...1) == 1)
            instance.loadCostWeight.append(try reader.integer("load cost weight of resource \(r)"))
        }
        let machineCount = try reader.count("the number of machines", tokensEach: 2 + 2 * resourceCount, minimum: 1)
        try reader.requireRoom(machineCount, tokensEach: 2 + 2 * resourceCount + machineCount, "the number of machines (each with a row of the move cost matrix)")
        instance.capacity.reserveCapacity(machineCount * resourceCount)
        instance.machineMoveCost.reserveCapacity(machineCount * machineCount)
        for m in 0..<machineCount {
            instance.neighborhood.append(try reader.integer("neighborhood of machine \(m)"))
            instance.location.append(try reader.integer("location of machine \(m)"))
            for r in 0..<resourceCount { instance.capacity.append(try reader.integer("capacity of resource \(r) of machine \(m)")) }
            for r in 0..<resourceCount { instance.safetyCapacity.append(try reader.integer("safety capacity of resource \(r) of machine \(m)")) }
            for to in 0..<machineCount { instance.machineMoveCost.append(try reader.integer("move cost from machine \(m) to machine \(to)")) }
        }
        try readServices(&reader, into: &instance)
        try readProcesses(&reader, into: &instance)
        let balanceCount = try reader.count("the number of balance objectives", tokensEach: 4)
        for b in 0..<balanceCount {
            let first = try reader.integer("first resource of balance objective \(b)", in: 0...(resourceCount - 1))
            let second = try reader.integer("second resource of balance objective \(b)", in: 0...(resourceCount - 1))
            let target = try reader.integer("target of balance objective \(b)")
            let weight = try reader.integer("weight of balance objective \(b)")
            instance.balances.append(Balance(first: first, second: second, target: target, weight: weight))
        }
        instance.processMoveWeight = try reader.integer("the process move cost weight")
        instance.serviceMoveWeight = try reader.integer("the service move cost weight")
        instance.machineMoveWeight = try reader.integer("the machine move cost weight")
        try reader.expectEnd()
        if instance.worstCaseCost == nil {
            throw RoadefFormatError(file: file, line: 0, message: "the weights and sizes let the cost exceed 2^63 - 1; no evaluation could be exact")
        }
        return instance
    }

    private static func readServices(_ reader: inout RoadefTokenReader, into instance: inout RoadefInstance) throws(RoadefFormatError) {
        let serviceCount = try reader.count("the number of services", tokensEach: 2)
        for s in 0..<serviceCount {
            instance.spreadMin.append(try reader.integer("spreadMin of service \(s)"))
            let count = try reader.count("the number of dependencies of service \(s)", tokensEach: 1)
            var list: [Int] = []
            for d in 0..<count {
                let line = reader.line
                let other = try reader.integer("dependency \(d) of service \(s)", in: 0...max(0, serviceCount - 1))
                if other == s { throw reader.error("service \(s) depends on itself", line: line) }
                list.append(other)
            }
            instance.dependencies.append(list)
        }
    }

    private static func readProcesses(_ reader: inout RoadefTokenReader, into instance: inout RoadefInstance) throws(RoadefFormatError) {
        let resourceCount = instance.resourceCount
        let processCount = try reader.count("the number of processes", tokensEach: 2 + resourceCount)
        if processCount > 0, instance.serviceCount == 0 {
            throw reader.error("there are \(processCount) processes but no service to hold them")
        }
        instance.requirement.reserveCapacity(processCount * resourceCount)
        for p in 0..<processCount {
            instance.service.append(try reader.integer("service of process \(p)", in: 0...max(0, instance.serviceCount - 1)))
            for r in 0..<resourceCount { instance.requirement.append(try reader.integer("requirement of resource \(r) of process \(p)")) }
            instance.processMoveCost.append(try reader.integer("move cost of process \(p)"))
        }
    }

    /// An upper bound on the cost of any assignment, or nil when it would not fit in an `Int`
    /// (then `RoadefEvaluator` could overflow). Each term is bounded by its largest possible
    /// value: all requirements on one machine, every process moved at the largest costs.
    var worstCaseCost: Int? {
        var total = 0
        func add(_ value: Int) -> Bool {
            let (sum, overflow) = total.addingReportingOverflow(value)
            total = sum
            return !overflow
        }
        func product(_ a: Int, _ b: Int) -> Int? {
            let (value, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? nil : value
        }
        var requirementTotal = Array(repeating: 0, count: resourceCount)
        for p in 0..<processCount { for r in 0..<resourceCount { requirementTotal[r] += requirement(p, r) } }
        for r in 0..<resourceCount {
            guard let perMachine = product(loadCostWeight[r], requirementTotal[r]), add(perMachine) else { return nil }
        }
        let largestCapacity = capacity.max() ?? 0
        for balance in balances {
            guard let unit = product(balance.target, largestCapacity), let machines = product(unit + requirementTotal[balance.second], machineCount),
                  let weighted = product(machines, balance.weight), add(weighted) else { return nil }
        }
        guard let processTerm = product(processMoveWeight, processMoveCost.reduce(0, +)), add(processTerm),
              let serviceTerm = product(serviceMoveWeight, processCount), add(serviceTerm),
              let largestMove = product(machineMoveCost.max() ?? 0, processCount),
              let machineTerm = product(largestMove, machineMoveWeight), add(machineTerm) else { return nil }
        return total
    }
}

/// An assignment of every process to a machine (`assignment_*.txt`, or a solution file).
public enum RoadefAssignment {
    /// Reads `processCount` machine indices, each in 0..<machineCount, and nothing after them.
    /// - Throws: `RoadefFormatError` naming the line and the process.
    public static func read(_ bytes: [UInt8], file: String, processCount: Int, machineCount: Int) throws(RoadefFormatError) -> [Int] {
        var reader = RoadefTokenReader(bytes: bytes, file: file)
        var machines: [Int] = []
        machines.reserveCapacity(processCount)
        for p in 0..<processCount {
            machines.append(try reader.integer("machine of process \(p)", in: 0...max(0, machineCount - 1)))
        }
        do {
            try reader.expectEnd()
        } catch {
            throw RoadefFormatError(file: file, line: error.line,
                                    message: "more than the \(processCount) machine numbers the model's processes need")
        }
        return machines
    }

    /// The challenge's format: the machine of each process, separated by spaces, on one line.
    public static func write(_ machines: [Int]) -> String {
        machines.map(String.init).joined(separator: " ") + "\n"
    }
}

import Foundation
import Testing
@_spi(Benchmarks) import DRSModel
import DRSTestSupport

/// Hostile and careless input: magnitudes, sizes, encodings and volumes of errors. Each test is
/// named after the rule it holds.
@Suite struct InputHygieneTests {
    func issues(_ bytes: [UInt8]) -> SnapshotError? {
        do {
            _ = try Snapshot.read(json: bytes)
            return nil
        } catch {
            return error
        }
    }

    func issue(at path: String, in text: String) -> InputIssue? {
        Fixtures.issues(text).first { $0.path == path }
    }

    // MARK: 12.5 ranges and overflow

    @Test("Every demand, capacity and migration quantity is at most 1e12, and the message names that limit")
    func quantitiesAreBounded() {
        let cases: [(String, String)] = [
            (Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1e16}}]"#), "vms[0].demand.cpu"),
            (Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 1e300, "memory": 100}}]"#), "hosts[0].capacity.cpu"),
            (Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "migration": {"memory": 1e308}}]"#), "vms[0].migration.memory"),
            (Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "migration": {"dirtyRate": 2e12}}]"#), "vms[0].migration.dirtyRate"),
            (Fixtures.json(cluster: #"{"migration": {"bandwidth": 1e300}}"#), "cluster.migration.bandwidth"),
        ]
        for (text, path) in cases {
            let found = issue(at: path, in: text)
            #expect(found?.message.contains("<= 1e12") == true, "\(path): \(String(describing: found))")
        }
        // The limit itself is accepted.
        #expect(Fixtures.issues(Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 1e12, "memory": 1e12}}]"#,
                                              vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1e12}, "migration": {"memory": 1e12, "dirtyRate": 1e12}}]"#)).isEmpty)
    }

    @Test("Migration bandwidth is at least 0.001 MiB/s, so migration estimates stay finite")
    func bandwidthHasALowerBound() {
        let found = issue(at: "cluster.migration.bandwidth", in: Fixtures.json(cluster: #"{"migration": {"bandwidth": 1e-300}}"#))
        #expect(found?.message.contains(">= 0.001") == true, "\(String(describing: found))")
        #expect(Fixtures.issues(Fixtures.json(cluster: #"{"migration": {"bandwidth": 0.001}}"#)).isEmpty)
    }

    @Test("Per-resource totals are at most 1e15: demands (FT counted twice) and capacities")
    func totalsAreBounded() {
        // 1,001 VMs of 1e12 each: every value is within its own limit, the sum is not.
        let hosts = (0..<2).map { #"{"id": "h\#($0)", "capacity": {"cpu": 1e12, "memory": 1e12}}"# }.joined(separator: ",")
        let vms = (0..<1001).map { #"{"id": "v\#($0)", "powerState": "off", "demand": {"cpu": 1e12}}"# }.joined(separator: ",")
        let demand = issue(at: "vms", in: Fixtures.json(hosts: "[\(hosts)]", vms: "[\(vms)]"))
        #expect(demand?.message.contains("total cpu demand") == true, "\(String(describing: demand))")
        #expect(demand?.message.contains("1e15") == true)
        // 501 FT VMs of 1e12: 5.01e14 as primaries, over the limit with their secondaries.
        let ft = (0..<501).map { #"{"id": "f\#($0)", "powerState": "off", "demand": {"cpu": 1e12}, "ft": {"secondaryHost": null}}"# }.joined(separator: ",")
        #expect(issue(at: "vms", in: Fixtures.json(hosts: "[\(hosts)]", vms: "[\(ft)]"))?.message.contains("FT secondaries counted twice") == true)
        let manyHosts = (0..<1001).map { #"{"id": "h\#($0)", "capacity": {"cpu": 1e12}}"# }.joined(separator: ",")
        let capacity = issue(at: "hosts", in: Fixtures.json(hosts: "[\(manyHosts)]", vms: "[]"))
        #expect(capacity?.message.contains("total cpu capacity") == true, "\(String(describing: capacity))")
    }

    @Test("Milli-unit conversions saturate instead of trapping, for snapshots built in code")
    func unitConversionsSaturate() {
        #expect(Units.demand(1e300) == Units.maximum)
        #expect(Units.limit(capacity: .infinity, maxUtilization: 1) == Units.maximum)
        #expect(Units.demand(.nan) == 0)
        #expect(Units.sum(.max - 1, 5) == .max)
        #expect(Units.sum(3, 4) == 7)
    }

    @Test("Plan.read ranges wave, priority and seconds, naming the step's path")
    func planNumbersAreRanged() {
        func message(_ step: String) -> String? {
            let text = #"{"status": "feasible", "placement": {}, "steps": [{"wave": 1, "kind": "standby", "host": "h1"}, \#(step)]}"#
            do {
                _ = try Plan.read(json: Array(text.utf8))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message(#"{"wave": 1e300, "kind": "standby", "host": "h1"}"#) == "steps[1].wave: must be a whole number from 1 to 1000000000, got 1e+300")
        #expect(message(#"{"wave": 1, "kind": "standby", "host": "h1", "priority": 1e300}"#) == "steps[1].priority: must be a whole number from 1 to 5, got 1e+300")
        #expect(message(#"{"wave": 1, "kind": "standby", "host": "h1", "priority": 0}"#)?.hasPrefix("steps[1].priority:") == true)
        #expect(message(#"{"wave": 1, "kind": "standby", "host": "h1", "seconds": -1}"#) == "steps[1].seconds: must be a finite number >= 0, got -1")
        #expect(message(#"{"wave": 1, "kind": "standby", "host": "h1", "seconds": 1e400}"#)?.contains("out of range") == true)
        #expect(message(#"{"kind": "standby", "host": "h1"}"#)?.hasPrefix("steps[1].wave: missing") == true)
        #expect(message(#"{"wave": 2, "kind": "standby", "host": "h1", "priority": 5, "seconds": 3.5}"#) == nil)
    }

    @Test("The checker's load sums saturate: a plan placing a running VM again in 10,000 waves is rejected, not a crash")
    func checkerSumsSaturate() throws {
        let snapshot = try Snapshot.read(json: Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 1e12, "memory": 1e12}}]"#,
                                                             vms: #"[{"id": "v1", "demand": {"cpu": 1e12, "memory": 1e12}}]"#))
        let steps = (1...10_000).map { Step(wave: $0, kind: .place, vm: "v1", to: "h1", priority: 1, applied: true, reason: "") }
        let plan = Plan(status: .feasible, solver: "test", automation: .full, objective: Objective(), seconds: 0,
                        placement: ["v1": "h1"], secondaries: [:], unplaced: [], reasons: [:], haMaster: nil, steps: steps)
        let violations = PlanChecker.check(snapshot, plan)
        #expect(violations.contains { $0.message.contains("place of v1, which is already running on h1") })
        #expect(violations.contains { $0.wave == 10_000 && $0.message.contains("over capacity") })
    }

    // MARK: 12.7 input size

    @Test("Input is read in chunks and refused once past the limit, holding at most the limit plus one chunk")
    func boundedReadStopsPastTheLimit() {
        var chunks = 0
        #expect(throws: InputTooLarge.self) {
            _ = try InputLimits.readBounded(limit: 10_000) {
                chunks += 1
                return [UInt8](repeating: 0, count: 1024)
            }
        }
        #expect(chunks == 10, "read \(chunks) chunks of 1 KiB for a 10,000-byte limit")
        var served = 0
        let exact = try? InputLimits.readBounded(limit: 2048) {
            served += 1
            return served <= 2 ? [UInt8](repeating: 0x20, count: 1024) : []
        }
        #expect(exact?.count == 2048, "input of exactly the limit is read whole")
        #expect(InputLimits.maximumInputBytes == 1 << 30)
        #expect(InputTooLarge(limit: InputLimits.maximumInputBytes).description.contains("1 GiB"))
    }

    // MARK: 12.16 bounded validation work

    @Test("At most 50 problems are listed, then a count of the rest")
    func problemsAreCapped() throws {
        let error = try #require(issues(Array(Fixtures.typoSnapshot(hosts: 200, vms: 400).utf8)))
        #expect(error.issues.count == InputLimits.maximumReportedIssues)
        #expect(error.omitted == 350)
        #expect(error.count == 400)
        #expect(error.description.hasSuffix("\n... and 350 more problem(s)"))
        #expect(error.issues[0].message == "unknown host \"esx-hots-0000\"; did you mean \"esx-host-0000\"?")
    }

    @Test("An echoed id or field name is cut to 64 characters with its length in bytes")
    func longStringsAreCut() throws {
        let long = String(repeating: "x", count: 1_000_000)
        let unknownHost = issue(at: "vms[0].host", in: Fixtures.json(vms: #"[{"id": "v1", "host": "\#(long)", "demand": {}}]"#))
        let message = try #require(unknownHost?.message)
        #expect(message.contains("\"" + String(repeating: "x", count: 64) + "…\" (1000000 bytes)"), "\(message.prefix(200))")
        #expect(message.utf8.count < 200)
        let field = Fixtures.issues(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "\#(long)": 1, "demand": {}}]"#))
        #expect(field.count == 1)
        #expect(field.first?.path == "vms[0]." + String(repeating: "x", count: 64) + "… (1000000 bytes)")
        #expect((field.first?.message.utf8.count ?? .max) < 200)
    }

    @Test("Suggestions come only for names of at most 64 characters and only when close")
    func suggestionsAreBounded() {
        let hosts = #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "rack-a-host-01", "capacity": {"cpu": 100, "memory": 100}}]"#
        func hostMessage(_ id: String) -> String? {
            issue(at: "vms[0].host", in: Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "\#(id)", "demand": {}}]"#))?.message
        }
        #expect(hostMessage("rack-a-hots-01")?.hasSuffix("did you mean \"rack-a-host-01\"?") == true)
        #expect(hostMessage("RACK-A-HOST-01")?.hasSuffix("did you mean \"rack-a-host-01\"?") == true, "case-insensitive")
        #expect(hostMessage("zzzzzzzzzzzz")?.contains("did you mean") == false)
        #expect(hostMessage(String(repeating: "h1", count: 40))?.contains("did you mean") == false)
    }

    @Test("The bounded suggestion search finds the same name as a plain edit-distance scan")
    func boundedSuggestionsMatchAPlainScan() throws {
        /// The rule without any bound: the first candidate at the smallest distance, when that
        /// distance is at most max(2, its length / 3).
        func plain(_ name: String, _ candidates: [String]) -> String? {
            func distance(_ a: [Character], _ b: [Character]) -> Int {
                var row = Array(0...b.count)
                for i in 1...max(1, a.count) where !a.isEmpty {
                    var next = [i] + [Int](repeating: 0, count: b.count)
                    for j in stride(from: 1, through: b.count, by: 1) {
                        next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                    }
                    row = next
                }
                return row[b.count]
            }
            var best: (String, Int)?
            for candidate in candidates {
                let d = distance(Array(name.lowercased()), Array(candidate.lowercased()))
                if d <= max(2, candidate.count / 3), best.map({ d < $0.1 }) ?? true { best = (candidate, d) }
            }
            return best?.0
        }
        var random = SeededGenerator(seed: 12)
        func word() -> String { String((0..<random.int(in: 1...9)).map { _ in random.element(of: Array("abcAB-é")) }) }
        for _ in 0..<20 {
            var ids: [String] = []
            while ids.count < 25 { let id = word(); if !ids.contains(id) { ids.append(id) } }
            let queries = (0..<40).map { _ in word() }.filter { !ids.contains($0) }
            let hosts = ids.map { #"{"id": "\#($0)", "capacity": {"cpu": 100, "memory": 100}}"# }.joined(separator: ",")
            let vms = queries.enumerated().map { #"{"id": "v\#($0)", "host": "\#($1)", "demand": {}}"# }.joined(separator: ",")
            let found = Fixtures.issues(Fixtures.json(hosts: "[\(hosts)]", vms: "[\(vms)]"))
            for (index, query) in queries.enumerated() {
                let message = try #require(found.first { $0.path == "vms[\(index)].host" }?.message)
                let expected = plain(query, ids).map { "; did you mean \"\($0)\"?" } ?? ""
                #expect(message == "unknown host \"\(query)\"\(expected)", "\(query) among \(ids)")
            }
        }
    }

    // MARK: 12.17 encodings, control characters, out-of-range literals, empty input

    @Test("Invalid UTF-8 is refused with its byte offset and JSON path, never rewritten into a duplicate")
    func invalidUTF8IsRefused() throws {
        // Two ids that differ only in an invalid byte would both become "a\u{FFFD}".
        var bytes = Array(#"{"schemaVersion": 1, "hosts": [{"id": "a"#.utf8)
        let offset = bytes.count
        bytes += [0xFF] + Array(#"", "capacity": {"cpu": 1}}, {"id": "a"#.utf8) + [0xFE] + Array(#"", "capacity": {"cpu": 1}}]}"#.utf8)
        let error = try #require(issues(bytes))
        #expect(error.issues.count == 1)
        #expect(error.issues[0].path == "hosts[0].id")
        #expect(error.issues[0].message.contains("invalid UTF-8 (byte 0xFF)"), "\(error.issues[0].message)")
        #expect(error.issues[0].message.contains("byte offset \(offset)"))
        // Overlong, surrogate, above U+10FFFF and truncated sequences are all ill-formed.
        for sequence: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            let text = Array(#"{"schemaVersion": 1, "hosts": [{"id": ""#.utf8) + sequence + Array(#"", "capacity": {}}]}"#.utf8)
            #expect(issues(text)?.issues.first?.message.contains("invalid UTF-8") == true, "\(sequence)")
        }
        // Well-formed multi-byte text is kept as written.
        let snapshot = try Snapshot.read(json: Fixtures.json(hosts: #"[{"id": "hôte-é-€-𝄞", "capacity": {"cpu": 1}}]"#, vms: "[]"))
        #expect(snapshot.hosts[0].id == "hôte-é-€-𝄞")
    }

    @Test("Control characters in ids are escaped when printed in errors")
    func controlCharactersAreEscaped() throws {
        let message = try #require(issue(at: "vms[0].host", in: Fixtures.json(vms: #"[{"id": "v1", "host": "h\u001b[2J\n\u202e", "demand": {}}]"#))?.message)
        #expect(message.hasPrefix(#"unknown host "h\u{001B}[2J\n\u{202E}""#), "\(message)")
        #expect(!message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E })
        #expect(DisplayText.escaped("tab\there \"q\" back\\slash") == #"tab\there "q" back\\slash"#)
        #expect(DisplayText.quoted("say \"hi\"") == #""say \"hi\"""#)
        #expect(DisplayText.escaped("plain-id_01.é") == "plain-id_01.é")
        #expect(DisplayText.escaped(String(repeating: "é", count: 70)) == String(repeating: "é", count: 64) + "… (140 bytes)")
    }

    @Test("A number literal beyond a double is reported out of range, not as null")
    func hugeLiteralIsOutOfRange() {
        let capacity = issue(at: "hosts[0].capacity.cpu", in: Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 1e400}}]"#))
        #expect(capacity?.message.contains("out of range") == true, "\(String(describing: capacity))")
        #expect(capacity?.message.contains("null") == false)
        let threshold = issue(at: "cluster.migrationThreshold", in: Fixtures.json(cluster: #"{"migrationThreshold": -1e400}"#))
        #expect(threshold?.message.contains("out of range") == true, "\(String(describing: threshold))")
        let id = issue(at: "vms[0].id", in: Fixtures.json(vms: #"[{"id": 1e999, "host": "h1", "demand": {}}]"#))
        #expect(id?.message.contains("out of range") == true, "\(String(describing: id))")
    }

    @Test("A byte that cannot start a value is named by its hex value, never printed raw")
    func strayBytesAreNamed() {
        let message = issues([0x00, 0x00])?.issues.first?.message
        #expect(message?.contains("unexpected byte 0x00, expected a value") == true, "\(String(describing: message))")
    }

    // MARK: 13.7 a snapshot's minimum, and one round of problems

    @Test("A snapshot needs schemaVersion and at least one host")
    func schemaVersionAndAHostAreRequired() {
        let empty = Fixtures.issues("{}")
        #expect(empty.map(\.path) == ["schemaVersion", "hosts"])
        #expect(empty.first?.message.hasPrefix("missing") == true)
        #expect(issue(at: "hosts", in: Fixtures.json(hosts: "[]", vms: "[]"))?.message == "must list at least one host, got none")
        let noVersion = Fixtures.json().replacingOccurrences(of: #""schemaVersion": 1,"#, with: "")
        #expect(Fixtures.issues(noVersion).map(\.path) == ["schemaVersion"])
    }

    @Test("Structural and semantic problems are reported in one round")
    func problemsAreReportedAtOnce() {
        let vms = #"[{"id": "v1", "host": "h9", "demand": {"cpu": -1}}, {"id": "v2", "hots": "h1", "demand": {}}, {"id": "big", "demand": {"cpu": 500}}]"#
        let rules = #"[{"id": "r", "kind": "antiAffinity", "vms": ["v1", "vx"], "required": true}]"#
        let paths = Set(Fixtures.issues(Fixtures.json(vms: vms, rules: rules)).map(\.path))
        #expect(paths == ["vms[0].demand.cpu", "vms[1].hots", "vms[0].host", "rules[0].vms[1]", "vms[2].demand"], "\(paths)")
    }

    @Test("Semantic paths name the input's index even when an earlier element was dropped")
    func semanticPathsKeepInputIndices() {
        let hosts = #"[{"capacity": {"cpu": 100}}, {"id": "a", "capacity": {"cpu": 100}}, {"id": "a", "capacity": {"cpu": 100}}]"#
        let vms = #"[{"host": "a", "demand": {}}, {"id": "v", "host": "zz", "demand": {}}]"#
        let found = Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms)).map(\.description)
        #expect(found.contains("hosts[2].id: duplicate host id \"a\" (first at hosts[1])"), "\(found)")
        #expect(found.contains { $0.hasPrefix("vms[1].host: unknown host \"zz\"") }, "\(found)")
        #expect(found.contains("hosts[0].id: missing; every host needs an id"))
    }

    @Test("Checks that need every reference resolved are skipped, not crashed, when one does not")
    func contradictionChecksNeedResolvedReferences() {
        let vms = #"[{"id": "a", "host": "h1", "demand": {}}, {"id": "b", "host": "h1", "demand": {}}]"#
        let rules = #"[{"id": "t", "kind": "affinity", "vms": ["a", "b", "ghost"], "required": true}, {"id": "m", "kind": "vmHost", "vms": ["a"], "hosts": ["nowhere"], "policy": "must"}, {"id": "x", "kind": "antiAffinity", "vms": ["a", "b"], "required": true, "extra": 1}]"#
        let paths = Set(Fixtures.issues(Fixtures.json(vms: vms, rules: rules)).map(\.path))
        #expect(paths == ["rules[0].vms[2]", "rules[1].hosts[0]", "rules[2].extra"], "\(paths)")
    }
}

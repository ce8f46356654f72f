import Testing
@_spi(Benchmarks) import DRSModel
import DRSTestSupport

/// One test per kind of bad input in SPEC section 1; each asserts the JSON path and the words.
@Suite struct ValidationTests {
    func only(_ text: String) -> InputIssue? {
        let issues = Fixtures.issues(text)
        #expect(issues.count >= 1, "expected the snapshot to be rejected")
        return issues.first
    }

    @Test func validMinimalSnapshotHasNoIssues() {
        #expect(Fixtures.issues(Fixtures.json()).isEmpty)
    }

    @Test func syntaxErrorNamesLineAndColumn() {
        let issue = only("{\n  \"hosts\": [,]\n}")
        #expect(issue?.message.contains("invalid JSON at line 2, column 13") == true, "\(String(describing: issue))")
    }

    @Test func unknownTopLevelFieldSuggestsNearestName() {
        let text = Fixtures.json().replacingOccurrences(of: "\"rules\":", with: "\"rulez\":")
        let issue = only(text)
        #expect(issue?.path == "rulez")
        #expect(issue?.message == "unknown field; did you mean \"rules\"?")
    }

    @Test func unknownNestedFieldSuggestsNearestName() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demnad": {"cpu": 1}}]"#))
        #expect(issue?.path == "vms[0].demnad")
        #expect(issue?.message.contains("did you mean \"demand\"") == true)
    }

    @Test func wrongTypeIsNamed() {
        let issue = only(Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": "100"}}]"#))
        #expect(issue?.path == "hosts[0].capacity.cpu")
        #expect(issue?.message == "must be a finite number >= 0, got a string")
    }

    @Test func negativeNumberMatchesTheSpecMessage() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": -5}}]"#))
        #expect(issue?.description == "vms[0].demand.cpu: must be a finite number >= 0, got -5")
    }

    @Test func nonFiniteNumberIsRejected() {
        let issue = only(Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 1e999, "memory": 100}}]"#))
        #expect(issue?.path == "hosts[0].capacity.cpu")
        #expect(issue?.message.contains("finite") == true)
    }

    @Test func unknownResourceIsAnUnknownField() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpus": 1}}]"#))
        #expect(issue?.path == "vms[0].demand.cpus")
        #expect(issue?.message.contains("did you mean \"cpu\"") == true)
    }

    @Test func unknownResourceInMaxUtilization() {
        let issue = only(Fixtures.json(cluster: #"{"maxUtilization": {"disk": 0.5}}"#))
        #expect(issue?.path == "cluster.maxUtilization.disk")
    }

    @Test func unknownHostReference() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v1", "host": "h3", "demand": {"cpu": 1}}]"#))
        #expect(issue?.path == "vms[0].host")
        #expect(issue?.message.contains("unknown host \"h3\"") == true)
    }

    @Test func unknownVMInRule() {
        let issue = only(Fixtures.json(rules: #"[{"id": "r", "kind": "antiAffinity", "vms": ["v1", "v9"], "required": true}]"#))
        #expect(issue?.path == "rules[0].vms[1]")
        #expect(issue?.message.contains("unknown VM \"v9\"") == true)
    }

    @Test func unknownHostInRule() {
        let issue = only(Fixtures.json(rules: #"[{"id": "r", "kind": "vmHost", "vms": ["v1"], "hosts": ["hx"], "policy": "must"}]"#))
        #expect(issue?.path == "rules[0].hosts[0]")
    }

    @Test func unknownMasterHost() {
        let issue = only(Fixtures.json(cluster: #"{"ha": {"enabled": true, "master": "zz"}}"#))
        #expect(issue?.path == "cluster.ha.master")
    }

    @Test func duplicateHostId() {
        let issue = only(Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h1", "capacity": {"cpu": 100}}]"#))
        #expect(issue?.description == "hosts[1].id: duplicate host id \"h1\" (first at hosts[0])")
    }

    @Test func duplicateVMId() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {}}, {"id": "v1", "host": "h2", "demand": {}}]"#))
        #expect(issue?.path == "vms[1].id")
        #expect(issue?.message.contains("duplicate VM id") == true)
    }

    @Test func duplicateRuleId() {
        let rules = #"[{"id": "r", "kind": "affinity", "vms": ["v1"]}, {"id": "r", "kind": "affinity", "vms": ["v1"]}]"#
        let issue = only(Fixtures.json(rules: rules))
        #expect(issue?.path == "rules[1].id")
    }

    @Test func duplicateFieldInObject() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v1", "id": "v2", "host": "h1", "demand": {}}]"#))
        #expect(issue?.path == "vms[0].id")
        #expect(issue?.message == "duplicate field")
    }

    @Test func badEnumValueSuggests() {
        let issue = only(Fixtures.json(cluster: #"{"goal": "balanced"}"#))
        #expect(issue?.path == "cluster.goal")
        #expect(issue?.message.contains("did you mean \"balance\"") == true)
    }

    @Test func thresholdOutOfRange() {
        let issue = only(Fixtures.json(cluster: #"{"migrationThreshold": 7}"#))
        #expect(issue?.description == "cluster.migrationThreshold: must be a whole number from 1 to 5, got 7")
    }

    @Test func vmThatFitsNoHost() {
        let issue = only(Fixtures.json(vms: #"[{"id": "big", "host": null, "demand": {"cpu": 500}}]"#))
        #expect(issue?.path == "vms[0].demand")
        #expect(issue?.message.contains("fits no host at all: needs cpu 500 but the largest placeable cpu is 100") == true)
    }

    @Test func ftVMNeedsTwoHosts() {
        let hosts = #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h2", "capacity": {"cpu": 10, "memory": 100}}]"#
        let issue = only(Fixtures.json(hosts: hosts, vms: #"[{"id": "v", "host": "h1", "demand": {"cpu": 50}, "ft": {"secondaryHost": null}}]"#))
        #expect(issue?.message.contains("Fault Tolerance needs two") == true)
    }

    @Test func ftSecondaryOnPrimaryHost() {
        let issue = only(Fixtures.json(vms: #"[{"id": "v", "host": "h1", "demand": {"cpu": 5}, "ft": {"secondaryHost": "h1"}}]"#))
        #expect(issue?.path == "vms[0].ft.secondaryHost")
    }

    @Test func affinityAndAntiAffinityContradict() {
        let vms = #"[{"id": "a", "host": "h1", "demand": {}}, {"id": "b", "host": "h1", "demand": {}}]"#
        let rules = #"[{"id": "together", "kind": "affinity", "vms": ["a", "b"], "required": true}, {"id": "apart", "kind": "antiAffinity", "vms": ["a", "b"], "required": true}]"#
        let issue = only(Fixtures.json(vms: vms, rules: rules))
        #expect(issue?.path == "rules[1]")
        #expect(issue?.message.contains("must share a host (affinity) and must not (antiAffinity)") == true)
    }

    @Test func softRulesNeverContradict() {
        let vms = #"[{"id": "a", "host": "h1", "demand": {}}, {"id": "b", "host": "h1", "demand": {}}]"#
        let rules = #"[{"id": "together", "kind": "affinity", "vms": ["a", "b"]}, {"id": "apart", "kind": "antiAffinity", "vms": ["a", "b"]}]"#
        #expect(Fixtures.issues(Fixtures.json(vms: vms, rules: rules)).isEmpty)
    }

    @Test func mustAndMustNotLeaveNoHost() {
        let rules = #"[{"id": "only-h1", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "must"}, {"id": "not-h1", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "mustNot"}]"#
        let issue = only(Fixtures.json(rules: rules))
        #expect(issue?.message.contains("is left no allowed host") == true)
    }

    @Test func affinityGroupWithDisjointHostRules() {
        let vms = #"[{"id": "a", "host": "h1", "demand": {}}, {"id": "b", "host": "h1", "demand": {}}]"#
        let rules = #"[{"id": "t", "kind": "affinity", "vms": ["a", "b"], "required": true}, {"id": "ra", "kind": "vmHost", "vms": ["a"], "hosts": ["h1"], "policy": "must"}, {"id": "rb", "kind": "vmHost", "vms": ["b"], "hosts": ["h2"], "policy": "must"}]"#
        let issue = only(Fixtures.json(vms: vms, rules: rules))
        #expect(issue?.path == "rules[0]")
        #expect(issue?.message.contains("no host is allowed for all") == true)
    }

    @Test func antiAffinityWithMoreVMsThanHosts() {
        let vms = #"[{"id": "a", "host": "h1", "demand": {}}, {"id": "b", "host": "h1", "demand": {}}, {"id": "c", "host": "h2", "demand": {}}]"#
        let rules = #"[{"id": "apart", "kind": "antiAffinity", "vms": ["a", "b", "c"], "required": true}]"#
        let issue = only(Fixtures.json(vms: vms, rules: rules))
        #expect(issue?.message.contains("needs 3 different hosts") == true)
    }

    @Test func pinnedVMsBreakingAHardRule() {
        let vms = #"[{"id": "a", "host": "h1", "demand": {}, "automation": "disabled"}, {"id": "b", "host": "h1", "demand": {}, "automation": "disabled"}]"#
        let rules = #"[{"id": "apart", "kind": "antiAffinity", "vms": ["a", "b"], "required": true}]"#
        let issue = only(Fixtures.json(vms: vms, rules: rules))
        #expect(issue?.message.contains("automation disabled") == true)
    }

    @Test func vmHostRuleNeedsPolicy() {
        let issue = only(Fixtures.json(rules: #"[{"id": "r", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"]}]"#))
        #expect(issue?.path == "rules[0].policy")
    }

    @Test func everyIssueIsReportedNotJustTheFirst() {
        let vms = #"[{"id": "v1", "host": "h9", "demand": {"cpu": -1}}, {"id": "v2", "hots": "h1", "demand": {}}]"#
        let issues = Fixtures.issues(Fixtures.json(vms: vms))
        let paths = Set(issues.map(\.path))
        #expect(paths.contains("vms[0].demand.cpu"))
        #expect(paths.contains("vms[1].hots"))
    }
}

import DRSRoadef
import Foundation
import Testing

@Suite struct RoadefReadingTests {
    /// The error reading the tiny model with line `line` (1-based) replaced by `text`.
    func error(replacingLine line: Int, with text: String) -> RoadefFormatError? {
        var lines = TinyRoadef.model.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[line - 1] = text
        do {
            _ = try RoadefInstance.read(model: Array(lines.joined(separator: "\n").utf8), file: "m.txt")
            return nil
        } catch {
            return error
        }
    }

    @Test func aBadNumberIsNamedByLineAndField() {
        #expect(error(replacingLine: 5, with: "0 0 12 x 8 8 0 1 2 3")?.description
            == "m.txt:5: capacity of resource 1 of machine 0: expected a whole number, got \"x\"")
        #expect(error(replacingLine: 5, with: "0 0 12 -4 8 8 0 1 2 3")?.description
            == "m.txt:5: capacity of resource 1 of machine 0: must be from 0 to 2147483647, got -4")
        #expect(error(replacingLine: 3, with: "2 5")?.description == "m.txt:3: transient flag of resource 1: must be from 0 to 1, got 2")
        #expect(error(replacingLine: 14, with: "3 5 5 1")?.description == "m.txt:14: service of process 0: must be from 0 to 2, got 3")
        #expect(error(replacingLine: 11, with: "0 1 1")?.description == "m.txt:11: service 1 depends on itself")
        #expect(error(replacingLine: 19, with: "0 2 2")?.description == "m.txt:19: second resource of balance objective 0: must be from 0 to 1, got 2")
    }

    @Test func aShortOrLongFileIsRefused() {
        #expect(error(replacingLine: 21, with: "1 10")?.message == "the file ends where the machine move cost weight was expected")
        #expect(error(replacingLine: 21, with: "1 10 100 7")?.description == "m.txt:21: unexpected \"7\" after the end of the data")
        // A count larger than the rest of the file can hold is refused before anything is allocated.
        #expect(error(replacingLine: 13, with: "2000000000")?.description
            == "m.txt:13: the number of processes is 2000000000, more than the rest of the file can describe")
        #expect(error(replacingLine: 4, with: "100000")?.message.hasPrefix("the number of machines") == true)
        #expect(error(replacingLine: 1, with: "0")?.description == "m.txt:1: the number of resources: must be from 1 to 2147483647, got 0")
    }

    @Test func costsThatCouldOverflowAreRefused() {
        // A balance target and a capacity of 2^31 - 1: target x available reaches 2^62 on one
        // machine, beyond 2^63 over four.
        let hugeTarget = TinyRoadef.model.replacingOccurrences(of: "0 1 2\n2\n", with: "0 1 2147483647\n2147483647\n")
            .replacingOccurrences(of: " 12 12 8 8 ", with: " 2147483647 12 8 8 ")
        #expect(throws: RoadefFormatError.self) { try RoadefInstance.read(model: Array(hugeTarget.utf8), file: "m.txt") }
    }

    @Test func assignmentErrorsNameTheProcess() {
        func message(_ text: String) -> String? {
            do {
                _ = try RoadefAssignment.read(Array(text.utf8), file: "a.txt", processCount: 4, machineCount: 4)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message("0 1 1 3") == nil)
        #expect(message("0 1\n1 4") == "a.txt:2: machine of process 3: must be from 0 to 3, got 4")
        #expect(message("0 1 1") == "a.txt:1: the file ends where machine of process 3 was expected")
        #expect(message("0 1 1 3\n0") == "a.txt:2: more than the 4 machine numbers the model's processes need")
        #expect(message("0 1 one 3") == "a.txt:1: machine of process 2: expected a whole number, got \"one\"")
    }
}

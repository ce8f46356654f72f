import Foundation
import OpenDRSCore

// Plans the snapshot named on the command line with a heuristic and prints one line per
// applied step, then the status: the library as a scheduler without GLPK embeds it.
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: core-embedding SNAPSHOT.json\n".utf8))
    exit(2)
}
do {
    let text = try String(contentsOfFile: CommandLine.arguments[1], encoding: .utf8)
    let snapshot = try Snapshot.read(json: text)
    let plan = try Planner.checkedPlan(snapshot, solver: LocalSearchSolver(), options: SolveOptions(timeLimit: 5))
    for step in plan.steps where step.applied {
        print("wave \(step.wave): \(step.kind.rawValue) \(step.vm ?? step.host ?? "") -> \(step.to ?? "")")
    }
    print("status \(plan.status.rawValue), \(plan.steps.count) steps, checked: \(PlanChecker.check(snapshot, plan).isEmpty)")
} catch {
    FileHandle.standardError.write(Data("core-embedding: \(error)\n".utf8))
    exit(1)
}

internal import CGLPK
internal import CGLPKGuard
import DRSModel
import DRSHeuristics

/// The GLPK library version, e.g. "5.0".
package var glpkVersion: String { String(cString: glp_version()) }

/// Frees the calling thread's GLPK environment (GLPK keeps one per thread and never frees it
/// when the thread ends). For a thread that is done with the exact solver: `drs serve` calls it
/// at the end of each solve thread, so that its memory does not grow with the requests.
package func releaseGLPKEnvironment() { glp_free_env() }

/// What a MIP run produced.
struct MIPOutcome {
    enum Status { case optimal, feasible, infeasible, noSolution }
    var status: Status
    /// Column values of the best solution found (nil when none).
    var values: [Double]?
    var objective: Double?
    /// Proven lower bound on the objective (minimisation), when known.
    var bound: Double?
    var nodes: Int
    /// Set when GLPK reported an internal error (caught by the guard; the run was abandoned).
    var failure = false
}

/// Owns one `glp_prob*` and frees it when released. Every 1-based index conversion goes through
/// `glpkIndex`, and every index is validated first: GLPK aborts the process on bad arguments.
/// The solves themselves run under the error guard (`CGLPKGuard`): should GLPK still fail, it
/// frees its whole environment, and the problem object is then not deleted a second time.
final class GLPKProblem {
    let pointer: OpaquePointer
    /// GLPK failures caught on this thread when the object was created.
    private let generation: UInt
    /// Row i reaches GLPK divided by `rowScale[i]`, its largest absolute coefficient.
    private(set) var rowScale: [Double] = []

    init() {
        opendrs_glpk_quiet()
        generation = UInt(opendrs_glpk_generation())
        pointer = glp_create_prob()
    }

    deinit {
        if UInt(opendrs_glpk_generation()) == generation { glp_delete_prob(pointer) }
    }

    /// `glp_simplex` under the guard; nil when GLPK failed (the object is then unusable).
    func simplex(_ parameters: inout glp_smcp) -> Int32? {
        var failed: Int32 = 0
        let code = opendrs_guarded_simplex(pointer, &parameters, &failed)
        return failed == 0 ? code : nil
    }

    /// `glp_intopt` under the guard; nil when GLPK failed (the object is then unusable).
    func intopt(_ parameters: inout glp_iocp) -> Int32? {
        var failed: Int32 = 0
        let code = opendrs_guarded_intopt(pointer, &parameters, &failed)
        return failed == 0 ? code : nil
    }

    /// 0-based index -> GLPK's 1-based index, checked against `count`.
    static func glpkIndex(_ index: Int, count: Int) -> Int32 {
        precondition(index >= 0 && index < count && count < Int(Int32.max), "GLPK index out of range")
        return Int32(index + 1)
    }

    /// Loads the model: bounds, kinds, rows, objective (minimisation).
    ///
    /// Each row is divided by its largest absolute coefficient. GLPK's own scaling, on rows in
    /// milli-units (10^8 and more), divided columns so much that objective coefficients fell
    /// below the simplex's optimality tolerance and a non-optimal basis passed as optimal (a
    /// 7-item knapsack at cost -0.5 per item was declared optimal at 0); on rows whose largest
    /// coefficient is 1 its scaling stays mild (`solve` still applies it, `solveLP` does not).
    func load(_ model: MIPModel) {
        let n = model.columns.count, m = model.rows.count
        precondition(n > 0, "a model without columns")
        glp_set_obj_dir(pointer, GLP_MIN)
        glp_add_cols(pointer, Int32(n))
        for (j, column) in model.columns.enumerated() {
            let index = Self.glpkIndex(j, count: n)
            precondition(column.lower.isFinite && column.upper.isFinite && column.lower <= column.upper, "bad column bounds")
            glp_set_col_bnds(pointer, index, column.lower == column.upper ? GLP_FX : GLP_DB, column.lower, column.upper)
            if column.isInteger { glp_set_col_kind(pointer, index, GLP_IV) }
            precondition(column.cost.isFinite, "bad objective coefficient")
            glp_set_obj_coef(pointer, index, column.cost)
        }
        glp_set_obj_coef(pointer, 0, model.objectiveConstant)
        if m > 0 { glp_add_rows(pointer, Int32(m)) }
        for (i, row) in model.rows.enumerated() {
            let index = Self.glpkIndex(i, count: m)
            let type: Int32
            switch (row.lower.isFinite, row.upper.isFinite) {
            case (true, true): type = row.lower == row.upper ? GLP_FX : GLP_DB
            case (true, false): type = GLP_LO
            case (false, true): type = GLP_UP
            case (false, false): type = GLP_FR
            }
            precondition(!row.lower.isFinite || !row.upper.isFinite || row.lower <= row.upper, "bad row bounds")
            let largest = row.coefficients.reduce(0.0) { max($0, abs($1)) }
            let scale = largest > 0 ? largest : 1
            rowScale.append(scale)
            glp_set_row_bnds(pointer, index, type, row.lower.isFinite ? row.lower / scale : 0,
                             row.upper.isFinite ? row.upper / scale : 0)
            guard !row.columns.isEmpty else { continue }
            precondition(Set(row.columns).count == row.columns.count, "repeated column in a row")
            var indices: [Int32] = [0]
            var values: [Double] = [0]
            for (k, column) in row.columns.enumerated() {
                precondition(row.coefficients[k].isFinite, "bad coefficient")
                indices.append(Self.glpkIndex(column, count: n))
                values.append(row.coefficients[k] / scale)
            }
            glp_set_mat_row(pointer, index, Int32(row.columns.count), indices, values)
        }
    }
}

/// State shared with the branch-and-cut callback through `cb_info`.
private final class CallbackState {
    /// 1-based incumbent (index 0 unused), passed once at the first GLP_IHEUR request.
    let incumbent: [Double]?
    var supplied = false
    var bound: Double?
    var nodes = 0
    /// Wall-clock end of the whole solve; the callback stops the search once it has passed,
    /// wherever GLPK is (cut generation included), so the time limit holds.
    let deadline: ContinuousClock.Instant

    /// The model's cone, held by gradient cuts added at GLP_IROWGEN.
    let cone: MIPModel.NormCone?
    /// 0-based integer columns, to tell an integer-feasible LP point from a fractional one.
    let integerColumns: [Int]
    let columnCount: Int
    /// Cut rounds at the current node (`lastNode`), capped for fractional points only.
    var lastNode: Int32 = 0
    var rounds = 0
    var cuts = 0

    init(incumbent: [Double]?, deadline: ContinuousClock.Instant, model: MIPModel) {
        self.incumbent = incumbent.map { [0] + $0 }
        self.deadline = deadline
        cone = model.cone
        integerColumns = model.columns.indices.filter { model.columns[$0].isInteger }
        columnCount = model.columns.count
    }

    /// Fractional points get at most this many cut rounds per node (then GLPK branches, and the
    /// node's bound stays valid); an integer point is cut for as long as it violates the cone.
    static let fractionalRounds = 40
    /// Relative violation below which a fractional point is not cut.
    static let fractionalTolerance = 1e-6
}

/// At GLP_IROWGEN: when the LP point has the cone's bound column more than
/// `MIPModel.coneTolerance` below the norm, adds the gradient cut of the norm at that point,
/// `bound >= scale x (d0 . d) / ||d0||`, valid for every d (Cauchy-Schwarz). GLPK asks for lazy
/// rows before it tests integrality, so no integer point that violates the cone by more than
/// the tolerance becomes an incumbent, and every node bound is a bound of the true problem.
private func separateCone(_ tree: OpaquePointer, _ state: CallbackState) {
    guard let cone = state.cone, let problem = glp_ios_get_prob(tree) else { return }
    let n = state.columnCount
    func value(_ j: Int) -> Double { glp_get_col_prim(problem, GLPKProblem.glpkIndex(j, count: n)) }
    let point = cone.terms.map(value)
    var sum = 0.0
    for d in point { sum += d * d }
    let norm = sum.squareRoot()
    let target = cone.scale * norm
    let violation = target - value(cone.bound)
    guard norm > 0, violation > MIPModel.coneTolerance else { return }
    let node = glp_ios_curr_node(tree)
    if node == state.lastNode { state.rounds += 1 } else { state.lastNode = node; state.rounds = 0 }
    let integral = state.integerColumns.allSatisfy { j in let x = value(j); return abs(x - x.rounded()) <= 1e-6 }
    if !integral && (state.rounds >= CallbackState.fractionalRounds || violation <= CallbackState.fractionalTolerance * max(1, target)) {
        return
    }
    var indices: [Int32] = [0, GLPKProblem.glpkIndex(cone.bound, count: n)]
    var values: [Double] = [0, 1]
    for (k, j) in cone.terms.enumerated() where point[k] != 0 {
        indices.append(GLPKProblem.glpkIndex(j, count: n))
        values.append(-cone.scale * point[k] / norm)
    }
    let row = glp_add_rows(problem, 1)
    glp_set_row_bnds(problem, row, GLP_LO, 0, 0)
    glp_set_mat_row(problem, row, Int32(indices.count - 1), indices, values)
    state.cuts += 1
}

private func branchAndCutCallback(_ tree: OpaquePointer?, _ info: UnsafeMutableRawPointer?) {
    guard let tree, let info else { return }
    let state = Unmanaged<CallbackState>.fromOpaque(info).takeUnretainedValue()
    if ContinuousClock.now >= state.deadline {
        glp_ios_terminate(tree)
    }
    var active: Int32 = 0, current: Int32 = 0, total: Int32 = 0
    glp_ios_tree_size(tree, &active, &current, &total)
    state.nodes = max(state.nodes, Int(total))
    let best = glp_ios_best_node(tree)
    if best != 0 {
        let bound = glp_ios_node_bound(tree, best)
        if bound.isFinite { state.bound = max(state.bound ?? -.infinity, bound) }
    }
    if glp_ios_reason(tree) == GLP_IROWGEN { separateCone(tree, state) }
    if glp_ios_reason(tree) == GLP_IHEUR, !state.supplied, let incumbent = state.incumbent {
        state.supplied = true
        let columns = Int(glp_get_num_cols(glp_ios_get_prob(tree)))
        // Only valid when the tree works on the original columns (MIP presolver off).
        if columns + 1 == incumbent.count {
            incumbent.withUnsafeBufferPointer { buffer in _ = glp_ios_heur_sol(tree, buffer.baseAddress) }
        }
    }
}

/// Solves `MIPModel`s with GLPK: the LP relaxation with GLPK's LP presolver (`glp_simplex`),
/// then branch and cut (`glp_intopt`) from that basis. The MIP presolver stays off so that the
/// branch-and-cut tree works on the original columns and the incumbent passed through the
/// GLP_IHEUR callback (`glp_ios_heur_sol`) is read column for column.
enum GLPKBackend {
    /// `relativeGap`: stop when (incumbent - bound) / |incumbent| is at most this (GLPK's
    /// `mip_gap`); 0 proves optimality.
    static func solve(_ model: MIPModel, timeLimit: Double, incumbent: [Double]?, relativeGap: Double = 0) -> MIPOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int64(max(0.001, timeLimit) * 1000)))
        /// What is left of the time limit, in GLPK's milliseconds (at least 1).
        func milliseconds() -> Int32 {
            let left = max(0.001, (deadline - clock.now).seconds)
            return Int32(max(1, min(Double(Int32.max / 2), (left * 1000).rounded())))
        }
        let problem = GLPKProblem()
        problem.load(model)
        // On rows already divided by their largest coefficient, GLPK's scaling stays mild.
        glp_scale_prob(problem.pointer, GLP_SF_AUTO)

        var simplex = glp_smcp()
        glp_init_smcp(&simplex)
        simplex.msg_lev = GLP_MSG_OFF
        simplex.presolve = GLP_ON
        simplex.tm_lim = milliseconds()
        guard var code = problem.simplex(&simplex) else { return failed(model, incumbent) }
        // GLPK checks its time limit only now and then (and not while scaling or presolving):
        // once the deadline has passed, nothing more is started.
        if clock.now >= deadline { return fallback(model, incumbent) }
        if code != 0 || glp_get_status(problem.pointer) != GLP_OPT {
            // The presolver may detect infeasibility without a basis; solve plainly to be sure.
            simplex.presolve = GLP_OFF
            glp_adv_basis(problem.pointer, 0)
            simplex.tm_lim = milliseconds()
            guard let again = problem.simplex(&simplex) else { return failed(model, incumbent) }
            code = again
        }
        let lpStatus = glp_get_status(problem.pointer)
        if lpStatus == GLP_NOFEAS || lpStatus == GLP_INFEAS && code == 0 {
            return MIPOutcome(status: .infeasible, values: nil, objective: nil, bound: nil, nodes: 0)
        }
        guard code == 0, lpStatus == GLP_OPT else {
            return fallback(model, incumbent)
        }

        if clock.now >= deadline { return fallback(model, incumbent) }
        let state = CallbackState(incumbent: incumbent.flatMap { model.isFeasible($0) ? $0 : nil }, deadline: deadline, model: model)
        var parameters = glp_iocp()
        glp_init_iocp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.presolve = GLP_OFF
        parameters.tm_lim = milliseconds()
        parameters.mip_gap = max(0, relativeGap)
        parameters.mir_cuts = GLP_ON
        parameters.cov_cuts = GLP_ON
        parameters.clq_cuts = GLP_ON
        // Rounding would build incumbents from the rows alone, without the cone: off with one.
        if model.cone != nil { parameters.sr_heur = GLP_OFF }
        parameters.cb_func = branchAndCutCallback
        let unmanaged = Unmanaged.passRetained(state)
        parameters.cb_info = unmanaged.toOpaque()
        let guarded = problem.intopt(&parameters)
        unmanaged.release()
        guard let result = guarded else { return failed(model, incumbent, nodes: state.nodes) }
        return outcome(of: problem, model, incumbent: incumbent, state: state, result: result, relativeGap: relativeGap)
    }

    /// The outcome of branch and cut (`result`: `glp_intopt`'s return code): the integer
    /// solution (integer columns rounded) with its status and bound, or the incumbent when GLPK
    /// stopped without one.
    private static func outcome(of problem: GLPKProblem, _ model: MIPModel, incumbent: [Double]?, state: CallbackState,
                                result: Int32, relativeGap: Double) -> MIPOutcome {
        let status = glp_mip_status(problem.pointer)
        var outcome = MIPOutcome(status: .noSolution, values: nil, objective: nil, bound: state.bound, nodes: state.nodes)
        if status == GLP_OPT || status == GLP_FEAS {
            var values = [Double](repeating: 0, count: model.columns.count)
            for j in 0..<model.columns.count {
                var value = glp_mip_col_val(problem.pointer, GLPKProblem.glpkIndex(j, count: model.columns.count))
                if model.columns[j].isInteger { value = value.rounded() }
                values[j] = value
            }
            outcome.values = values
            outcome.objective = model.objective(values)
            let proven = status == GLP_OPT && result == 0
            outcome.status = proven ? .optimal : .feasible
            if proven {
                // With a relative gap GLPK stops once |incumbent - bound| <= gap x |incumbent|.
                let objective = glp_mip_obj_val(problem.pointer)
                outcome.bound = relativeGap > 0 ? max(state.bound ?? -.infinity, objective - relativeGap * abs(objective)) : objective
            }
        } else if status == GLP_NOFEAS {
            outcome.status = .infeasible
        } else if result != 0, let incumbent, model.isFeasible(incumbent) {
            return fallback(model, incumbent, bound: state.bound, nodes: state.nodes)
        }
        if let bound = outcome.bound, let objective = outcome.objective { outcome.bound = min(bound, objective) }
        return outcome
    }

    /// The LP relaxation of `model` (integrality ignored) by the primal simplex without
    /// presolve, with the row duals of the optimal basis; nil when it is not solved to
    /// optimality within `timeLimit` seconds (or GLPK failed).
    static func solveLP(_ model: MIPModel, timeLimit: Double) -> (objective: Double, values: [Double], duals: [Double])? {
        let problem = GLPKProblem()
        problem.load(model)
        var simplex = glp_smcp()
        glp_init_smcp(&simplex)
        simplex.msg_lev = GLP_MSG_OFF
        simplex.presolve = GLP_OFF
        simplex.tm_lim = Int32(max(1, min(Double(Int32.max / 2), (timeLimit * 1000).rounded())))
        guard let code = problem.simplex(&simplex), code == 0, glp_get_status(problem.pointer) == GLP_OPT else { return nil }
        let n = model.columns.count, m = model.rows.count
        let values = (0..<n).map { glp_get_col_prim(problem.pointer, GLPKProblem.glpkIndex($0, count: n)) }
        let duals = (0..<m).map { glp_get_row_dual(problem.pointer, GLPKProblem.glpkIndex($0, count: m)) / problem.rowScale[$0] }
        return (glp_get_obj_val(problem.pointer), values, duals)
    }

    /// After a GLPK failure caught by the guard: the incumbent (if any), no bound, flagged.
    private static func failed(_ model: MIPModel, _ incumbent: [Double]?, nodes: Int = 0) -> MIPOutcome {
        var outcome = fallback(model, incumbent, nodes: nodes)
        outcome.failure = true
        return outcome
    }

    /// GLPK failures caught on the calling thread so far (every GLPK call of a solve runs on the
    /// thread that solves).
    static var failures: UInt { UInt(opendrs_glpk_generation()) }

    /// Makes the next GLPK solve on the calling thread fail inside GLPK, under the guard (for
    /// tests of what a GLPK failure leads to).
    static func failNextCall() { opendrs_glpk_fail_next_call() }

    /// Whether the error guard catches a GLPK failure provoked on purpose and GLPK works again
    /// afterwards on this thread (for tests).
    static func guardCatchesFailure() -> Bool { opendrs_glpk_provoke_failure() == 1 }

    /// The incumbent itself, when GLPK could not improve on it.
    private static func fallback(_ model: MIPModel, _ incumbent: [Double]?, bound: Double? = nil, nodes: Int = 0) -> MIPOutcome {
        guard let incumbent, model.isFeasible(incumbent) else {
            return MIPOutcome(status: .noSolution, values: nil, objective: nil, bound: bound, nodes: nodes)
        }
        return MIPOutcome(status: .feasible, values: incumbent, objective: model.objective(incumbent), bound: bound, nodes: nodes)
    }
}

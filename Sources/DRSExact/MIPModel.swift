/// A solver-independent mixed-integer linear program: columns with bounds, integrality and
/// objective costs, and sparse rows `lower <= sum(coefficient x column) <= upper`. It knows
/// nothing about GLPK; a backend translates it.
struct MIPModel: Sendable {
    struct Column: Sendable {
        var lower: Double
        var upper: Double
        var isInteger: Bool
        var cost: Double
    }

    struct Row: Sendable {
        /// Distinct column indices (0-based), with their coefficients.
        var columns: [Int]
        var coefficients: [Double]
        /// `-infinity` / `+infinity` when the side is free.
        var lower: Double
        var upper: Double
    }

    /// A second-order cone `values[bound] >= scale x ||values[terms]||_2`, held by the backend
    /// with gradient cuts added lazily (the norm is convex, so each cut is valid everywhere).
    struct NormCone: Sendable {
        var bound: Int
        var terms: [Int]
        var scale: Double

        /// The cone's right-hand side at `values`.
        func value(_ values: [Double]) -> Double {
            var sum = 0.0
            for j in terms { sum += values[j] * values[j] }
            return scale * sum.squareRoot()
        }
    }

    /// Absolute tolerance of the cone: a solution is accepted when `values[bound]` is at most
    /// this below the norm, so an objective with weight 1 on `bound` is exact to within it.
    static let coneTolerance = 1e-7

    private(set) var columns: [Column] = []
    /// The cone the model holds besides its rows, if any.
    var cone: NormCone?
    private(set) var rows: [Row] = []
    /// Constant added to the objective.
    var objectiveConstant: Double = 0

    /// Adds a column and returns its 0-based index. Default: binary.
    mutating func addColumn(lower: Double = 0, upper: Double = 1, integer: Bool = true, cost: Double = 0) -> Int {
        precondition(lower <= upper, "column bounds out of order")
        columns.append(Column(lower: lower, upper: upper, isInteger: integer, cost: cost))
        return columns.count - 1
    }

    /// Adds a row; repeated columns are merged and zero coefficients dropped. Returns its index.
    @discardableResult
    mutating func addRow(_ terms: [(Int, Double)], lower: Double = -.infinity, upper: Double = .infinity) -> Int {
        var merged: [Int: Double] = [:]
        for (column, coefficient) in terms {
            precondition(column >= 0 && column < columns.count, "row names an unknown column")
            merged[column, default: 0] += coefficient
        }
        let sorted = merged.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        rows.append(Row(columns: sorted.map(\.key), coefficients: sorted.map(\.value), lower: lower, upper: upper))
        return rows.count - 1
    }

    mutating func setCost(_ column: Int, _ cost: Double) { columns[column].cost = cost }
    /// Lowers a column's upper bound (never below its lower bound).
    mutating func setUpper(_ column: Int, _ upper: Double) {
        columns[column].upper = max(columns[column].lower, min(columns[column].upper, upper))
    }
    mutating func addCost(_ column: Int, _ cost: Double) { columns[column].cost += cost }
    mutating func clearCosts() {
        for j in columns.indices { columns[j].cost = 0 }
        objectiveConstant = 0
    }

    func activity(of row: Row, _ values: [Double]) -> Double {
        var total = 0.0
        for (k, column) in row.columns.enumerated() { total += row.coefficients[k] * values[column] }
        return total
    }

    /// Whether `values` satisfies every bound, integrality and row, within `tolerance`
    /// (absolute, scaled by the row's magnitude).
    func isFeasible(_ values: [Double], tolerance: Double = 1e-6) -> Bool {
        guard values.count == columns.count else { return false }
        for (j, column) in columns.enumerated() {
            let value = values[j]
            if !value.isFinite || value < column.lower - tolerance || value > column.upper + tolerance { return false }
            if column.isInteger && abs(value - value.rounded()) > tolerance { return false }
        }
        for row in rows {
            let value = activity(of: row, values)
            let scale = max(1, abs(row.lower.isFinite ? row.lower : 0), abs(row.upper.isFinite ? row.upper : 0))
            if value < row.lower - tolerance * scale || value > row.upper + tolerance * scale { return false }
        }
        if let cone, values[cone.bound] < cone.value(values) - Self.coneTolerance { return false }
        return true
    }

    func objective(_ values: [Double]) -> Double {
        var total = objectiveConstant
        for (j, column) in columns.enumerated() { total += column.cost * values[j] }
        return total
    }

    /// The smallest value of `column` that the rows `rowIndices` allow, the other columns held
    /// at `values` (used to complete auxiliary columns of a known placement).
    func smallestFeasible(_ column: Int, rows rowIndices: [Int], _ values: [Double]) -> Double {
        var value = columns[column].lower
        for index in rowIndices {
            let row = rows[index]
            guard let position = row.columns.firstIndex(of: column) else { continue }
            let a = row.coefficients[position]
            let rest = activity(of: row, values) - a * values[column]
            if a > 0, row.lower.isFinite { value = max(value, (row.lower - rest) / a) }
            if a < 0, row.upper.isFinite { value = max(value, (rest - row.upper) / -a) }
        }
        if columns[column].isInteger { value = (value - 1e-9).rounded(.up) }
        return min(value, columns[column].upper)
    }
}

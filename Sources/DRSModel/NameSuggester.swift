/// "Did you mean" with bounded work. Names longer than `maximumNameLength` get no
/// suggestion. Otherwise a candidate is compared only when two cheap lower bounds of the edit
/// distance are within the distance it allows (max(2, its length / 3)) and below the best
/// found so far: the length difference, and the difference of the character counts (folded
/// into 32 buckets, which can only lower it). Survivors get an edit distance (case-insensitive,
/// over Unicode scalars) that stops as soon as a row exceeds that bound. Cost per query:
/// O(32 x candidates) plus O(64 x length) per surviving candidate; building it is O(total
/// length of the names).
struct NameSuggester {
    static let maximumNameLength = 64
    private static let buckets = 32
    private var names: [String] = []
    private var folded: [[Unicode.Scalar]] = []
    /// Character counts per bucket, `buckets` entries per name.
    private var histograms: [UInt8] = []

    init(_ candidates: [String]) {
        for candidate in candidates where candidate.utf8.count <= 3 * NameSuggester.maximumNameLength {
            let scalars = Array(candidate.lowercased().unicodeScalars)
            names.append(candidate)
            folded.append(scalars)
            histograms.append(contentsOf: NameSuggester.histogram(scalars))
        }
    }

    private static func histogram(_ scalars: [Unicode.Scalar]) -> [UInt8] {
        var counts = [UInt8](repeating: 0, count: buckets)
        for scalar in scalars {
            let bucket = Int(scalar.value % UInt32(buckets))
            counts[bucket] = counts[bucket] &+ 1
        }
        return counts
    }

    /// The candidate nearest to `name` when close enough to be a likely typo; the first on a tie.
    func suggestion(for name: String) -> String? {
        guard name.utf8.count <= 4 * NameSuggester.maximumNameLength else { return nil }
        let query = Array(name.lowercased().unicodeScalars)
        guard query.count <= NameSuggester.maximumNameLength else { return nil }
        let queryCounts = NameSuggester.histogram(query)
        var previous: [Int] = [], current: [Int] = []
        var best: (index: Int, distance: Int)?
        for (index, candidate) in folded.enumerated() {
            let allowed = max(2, candidate.count / 3)
            let bound = min(allowed, (best?.distance ?? Int.max) - 1)
            guard bound >= 0, abs(candidate.count - query.count) <= bound else { continue }
            var missing = 0, extra = 0
            let base = index * NameSuggester.buckets
            for bucket in 0..<NameSuggester.buckets {
                let difference = Int(queryCounts[bucket]) - Int(histograms[base + bucket])
                if difference > 0 { missing += difference } else { extra -= difference }
            }
            guard max(missing, extra) <= bound else { continue }
            if let distance = editDistance(query, candidate, atMost: bound, rows: &previous, &current) {
                best = (index, distance)
                if distance == 0 { break }
            }
        }
        return best.map { names[$0.index] }
    }
}

/// The known name closest to `name` by edit distance, when close enough to be a likely typo.
func nearest(_ name: String, among candidates: [String]) -> String? {
    NameSuggester(candidates).suggestion(for: name)
}

/// The Levenshtein distance of `a` and `b` when it is at most `bound`, else nil; stops at the
/// first row whose every entry exceeds `bound`. O(|a| x |b|) at worst; `previous` and
/// `current` are scratch rows reused across calls.
func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], atMost bound: Int,
                  rows previous: inout [Int], _ current: inout [Int]) -> Int? {
    if a.isEmpty { return b.count <= bound ? b.count : nil }
    if b.isEmpty { return a.count <= bound ? a.count : nil }
    previous.removeAll(keepingCapacity: true)
    previous.append(contentsOf: 0...b.count)
    current.removeAll(keepingCapacity: true)
    current.append(contentsOf: repeatElement(0, count: b.count + 1))
    for i in 1...a.count {
        current[0] = i
        var rowMinimum = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMinimum = min(rowMinimum, current[j])
        }
        if rowMinimum > bound { return nil }
        swap(&previous, &current)
    }
    return previous[b.count] <= bound ? previous[b.count] : nil
}

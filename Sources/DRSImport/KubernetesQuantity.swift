/// A Kubernetes resource quantity (`250m`, `2`, `1.5Gi`, `128974848`, `129e6`, `123Mi`):
/// a decimal number with an optional binary (`Ki` ... `Ei`), decimal (`n`, `u`, `m`, `k`, `M`
/// ... `E`) or exponent (`e3`) suffix, in base units (cores, bytes).
package enum KubernetesQuantity {
    static let binary: [String: Double] = ["Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
                                           "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976]
    static let decimal: [String: Double] = ["n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9,
                                            "T": 1e12, "P": 1e15, "E": 1e18]

    /// The value in base units, or nil when `text` is not a quantity.
    package static func parse(_ text: String) -> Double? {
        var body = Substring(text)
        var sign = 1.0
        if body.first == "+" || body.first == "-" {
            sign = body.first == "-" ? -1 : 1
            body = body.dropFirst()
        }
        let digits = body.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits != ".", let number = Double(digits) else { return nil }
        let suffix = String(body.dropFirst(digits.count))
        if let factor = binary[suffix] ?? decimal[suffix] { return sign * number * factor }
        if let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()), abs(exponent) <= 30 {
            var factor = 1.0
            for _ in 0..<abs(exponent) { factor *= 10 }
            return sign * (exponent < 0 ? number / factor : number * factor)
        }
        return nil
    }
}

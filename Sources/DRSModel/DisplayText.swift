/// User-supplied text (ids, field names, enum values) made safe to print on one line of an
/// error message or a text report: control and invisible formatting characters are escaped,
/// and text longer than a limit is cut, with its full length in bytes given instead.
///
/// Escapes: `\n`, `\r`, `\t`, `\\` and `\u{XXXX}` for any other scalar of the Unicode
/// categories Cc (controls), Cf (format: bidirectional overrides, zero-width characters),
/// Zl and Zp (line and paragraph separators); `quoted` also escapes `"`. Two different ids
/// therefore always print differently (up to the cut). Cost: O(limit), whatever the length
/// of the text.
package enum DisplayText {
    /// Longest text shown whole, in Unicode scalars.
    package static let maximumLength = 64

    /// `text` escaped and, when longer than `limit` scalars, cut: `abc… (1048576 bytes)`.
    package static func escaped(_ text: String, limit: Int = maximumLength) -> String {
        let (body, cut) = render(text, limit: limit, quote: false)
        return cut.map { "\(body)… (\($0) bytes)" } ?? body
    }

    /// `text` escaped, in double quotes: `"a\nb"`; when cut, `"abc…" (1048576 bytes)`.
    package static func quoted(_ text: String, limit: Int = maximumLength) -> String {
        let (body, cut) = render(text, limit: limit, quote: true)
        return cut.map { "\"\(body)…\" (\($0) bytes)" } ?? "\"\(body)\""
    }

    /// A field name as a JSON path component: `demand`, or escaped and cut like `escaped`.
    package static func pathKey(_ key: String) -> String { escaped(key) }

    /// Whether `scalar` is printed as an escape.
    package static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" { return true }
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: return true
        default: return false
        }
    }

    /// The escaped text and, when it was cut, the full length in UTF-8 bytes.
    private static func render(_ text: String, limit: Int, quote: Bool) -> (String, Int?) {
        var output = ""
        var shown = 0
        for scalar in text.unicodeScalars {
            if shown == limit { return (output, text.utf8.count) }
            shown += 1
            if quote && scalar == "\"" {
                output.append("\\\"")
            } else if needsEscape(scalar) {
                switch scalar {
                case "\n": output.append("\\n")
                case "\r": output.append("\\r")
                case "\t": output.append("\\t")
                case "\\": output.append("\\\\")
                default:
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    output.append("\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}")
                }
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return (output, nil)
    }
}

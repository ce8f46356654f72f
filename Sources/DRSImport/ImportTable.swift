@_spi(Benchmarks) import DRSModel

/// One sheet of a tabular export (an RVTools tab as CSV or as a worksheet of an `.xlsx`): the
/// header row, then rows of cells by column name. Every accessor that finds a bad value throws
/// an `ImportError` naming the file, the sheet, the row and the column.
package struct ImportTable: Sendable {
    /// The file as the user named it.
    package var file: String
    /// The sheet's name (`vInfo`); for a CSV file, the tab its header says it is.
    package var sheet: String
    /// Column names in order, as the header row wrote them (surrounding spaces removed).
    package var columns: [String]
    /// Cells per row, in column order (missing trailing cells are empty).
    package var rows: [[String]]
    /// The 1-based row number in the file of each row (the header is row 1 for a CSV file).
    package var rowNumbers: [Int]
    private var index: [String: Int] = [:]

    package init(file: String, sheet: String, columns: [String], rows: [[String]], rowNumbers: [Int]) {
        self.file = file
        self.sheet = sheet
        self.columns = columns
        self.rows = rows
        self.rowNumbers = rowNumbers
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
    }

    /// Whether the header has every one of `names`.
    package func has(_ names: [String]) -> Bool { names.allSatisfy { index[$0] != nil } }

    /// Whether the header has `name`.
    package func has(_ name: String) -> Bool { index[name] != nil }

    /// An error at a row (index into `rows`) and, optionally, a column.
    package func error(row: Int?, column: String? = nil, _ message: String) -> ImportError {
        var place = "sheet \(sheet)"
        if let row { place += ", row \(rowNumbers[row])" }
        if let column { place += ", column \(DisplayText.quoted(column))" }
        return ImportError(file: file, place: place, message: message)
    }

    /// The cell of `row` in `column`, spaces trimmed; nil when the column is absent or the cell empty.
    package func text(_ row: Int, _ column: String) -> String? {
        guard let position = index[column], position < rows[row].count else { return nil }
        let cell = rows[row][position].trimmingSpaces
        return cell.isEmpty ? nil : cell
    }

    /// The cell as text; an error when it is absent or empty.
    package func required(_ row: Int, _ column: String) throws(ImportError) -> String {
        guard index[column] != nil else { throw error(row: nil, "missing the column \(DisplayText.quoted(column))") }
        guard let cell = text(row, column) else { throw error(row: row, column: column, "empty; expected a value") }
        return cell
    }

    /// The cell as a finite number from 0 to `InputLimits.maximumQuantity` (nil when empty or
    /// absent). Digit group separators are not accepted: a number is written as the export's
    /// invariant culture writes it.
    package func number(_ row: Int, _ column: String) throws(ImportError) -> Double? {
        guard let cell = text(row, column) else { return nil }
        guard let value = tableNumber(cell), value >= 0, value <= InputLimits.maximumQuantity else {
            throw error(row: row, column: column, "must be a number >= 0 and <= 1e12 (the largest OpenDRS accepts), got \(DisplayText.quoted(String(cell.prefix(40))))")
        }
        return value
    }

    /// `a x b` of one row's cells (a capacity or a demand), refused when above
    /// `InputLimits.maximumQuantity`, naming both columns.
    package func product(_ a: Double, _ b: Double, row: Int, _ columns: String) throws(ImportError) -> Double {
        let value = a * b
        guard value <= InputLimits.maximumQuantity else {
            throw error(row: row, "\(columns) = \(value), above 1e12 (the largest quantity OpenDRS accepts)")
        }
        return value
    }

    /// The cell as true or false (`True`, `False`, `1`, `0`, any case; nil when empty or absent).
    package func flag(_ row: Int, _ column: String) throws(ImportError) -> Bool? {
        guard let cell = text(row, column) else { return nil }
        switch cell.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw error(row: row, column: column, "must be True or False, got \(DisplayText.quoted(String(cell.prefix(40))))")
        }
    }
}

/// A number as an export writes it: optional sign, digits, a decimal point and an exponent;
/// nil for anything else (nan, inf and hex included).
func tableNumber(_ text: String) -> Double? {
    guard !text.isEmpty, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45 }),
          let value = Double(text), value.isFinite else { return nil }
    return value
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !Self.isSpace($0) })!
        return String(scalars[first...last])
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{A0}"
    }
}

/// Comma (or semicolon) separated values as RFC 4180 writes them: fields in double quotes may
/// hold the separator, line breaks and doubled quotes. The separator is the one of `,` and `;`
/// the header line holds more of (locales that write decimal commas export with `;`). A UTF-8
/// byte order mark is skipped. One pass over the bytes (every structural character is ASCII, so
/// no UTF-8 sequence can hide one); each field is checked as UTF-8 when it becomes a string.
/// O(file size).
enum CSVReader {
    static let quote: UInt8 = 0x22, newline: UInt8 = 0x0A, carriageReturn: UInt8 = 0x0D

    static func table(_ file: ImportFile, sheet: String? = nil) throws(ImportError) -> ImportTable {
        let bytes = file.bytes
        let (records, lines, separator) = try records(bytes, from: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, file: file.name)
        guard let header = records.first else { throw ImportError(file: file.name, message: "empty: expected a header row and rows") }
        let columns = header.map(\.trimmingSpaces)
        var rows = Array(records.dropFirst())
        for index in rows.indices where rows[index].count > columns.count {
            let extra = rows[index][columns.count...]
            if extra.contains(where: { !$0.trimmingSpaces.isEmpty }) {
                throw ImportError(file: file.name, line: lines[index + 1],
                                  message: "\(rows[index].count) fields, but the header has \(columns.count): a field with the separator \(separator) must be quoted")
            }
            rows[index].removeLast(rows[index].count - columns.count)
        }
        return ImportTable(file: file.name, sheet: sheet ?? "", columns: columns, rows: rows, rowNumbers: Array(lines.dropFirst()))
    }

    /// The records (blank lines skipped), the line each starts on, and the separator.
    static func records(_ bytes: [UInt8], from begin: Int, file: String) throws(ImportError) -> ([[String]], [Int], Character) {
        let count = bytes.count
        var headerEnd = begin
        while headerEnd < count && bytes[headerEnd] != newline && bytes[headerEnd] != carriageReturn { headerEnd += 1 }
        let semicolons = bytes[begin..<headerEnd].reduce(0) { $0 + ($1 == 0x3B ? 1 : 0) }
        let commas = bytes[begin..<headerEnd].reduce(0) { $0 + ($1 == 0x2C ? 1 : 0) }
        let separator: UInt8 = semicolons > commas ? 0x3B : 0x2C
        var records: [[String]] = [], lines: [Int] = []
        var record: [String] = []
        var line = 1, recordLine = 1, position = begin
        func string(_ slice: ArraySlice<UInt8>) throws(ImportError) -> String {
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw ImportError(file: file, line: line, message: "not UTF-8 text: save the CSV export as UTF-8")
            }
            return text
        }
        while position < count {
            // One field: quoted (doubled quotes inside) or plain up to a separator or line break.
            let field: String
            if bytes[position] == quote {
                var parts: [UInt8] = []
                var cursor = position + 1, closed = false
                while cursor < count {
                    let byte = bytes[cursor]
                    if byte == quote {
                        if cursor + 1 < count && bytes[cursor + 1] == quote { parts.append(quote); cursor += 2; continue }
                        closed = true
                        cursor += 1
                        break
                    }
                    if byte == newline { line += 1 }
                    parts.append(byte)
                    cursor += 1
                }
                if !closed { throw ImportError(file: file, line: recordLine, message: "a quoted field is not closed before the end of the file") }
                field = try string(parts[...])
                position = cursor
                if position < count, ![separator, newline, carriageReturn].contains(bytes[position]) {
                    throw ImportError(file: file, line: line, message: "text after a closing quote; a quote inside a quoted field is written twice (\"\")")
                }
            } else {
                var cursor = position
                while cursor < count {
                    let byte = bytes[cursor]
                    if byte == separator || byte == newline || byte == carriageReturn { break }
                    cursor += 1  // a quote inside a plain field is text
                }
                field = try string(bytes[position..<cursor])
                position = cursor
            }
            record.append(field)
            guard position < count else { break }
            if bytes[position] == separator {
                position += 1
                if position == count { record.append("") }
                continue
            }
            // A line break (\r\n, \n or \r) ends the record; a blank line is no record.
            position += bytes[position] == carriageReturn && position + 1 < count && bytes[position + 1] == newline ? 2 : 1
            if !(record.count == 1 && record[0].isEmpty) {
                records.append(record)
                lines.append(recordLine)
            }
            record = []
            line += 1
            recordLine = line
        }
        if !record.isEmpty && !(record.count == 1 && record[0].isEmpty) {
            records.append(record)
            lines.append(recordLine)
        }
        return (records, lines, Character(Unicode.Scalar(separator)))
    }
}

import Foundation
import ZIPFoundation
@_spi(Benchmarks) import DRSModel

/// The worksheets of an Office Open XML workbook (`.xlsx`) as tables: the workbook's sheet
/// names (`xl/workbook.xml` and its relationships), the shared strings, and each wanted sheet's
/// cells by their references (`B7`), the first row being the header. Only what a data export
/// holds is read: numbers, shared and inline strings, booleans; formulas by their cached value.
/// Entries are inflated with a size cap, so a crafted archive cannot exhaust memory.
enum XLSXReader {
    /// The most bytes read out of the archive in all (its XML is several times the `.xlsx`).
    static let maximumInflated = 2 << 30

    /// The sheets whose names `wanted` accepts, in workbook order.
    static func tables(_ file: ImportFile, wanted: (String) -> Bool) throws(ImportError) -> [ImportTable] {
        let archive: Archive
        do {
            archive = try Archive(data: Data(file.bytes), accessMode: .read)
        } catch {
            throw ImportError(file: file.name, message: "not an .xlsx workbook (not a ZIP archive): \(error)")
        }
        var budget = maximumInflated
        func entry(_ path: String) throws(ImportError) -> [UInt8]? {
            guard let entry = archive[path] else { return nil }
            guard entry.uncompressedSize <= UInt64(budget) else {
                throw ImportError(file: file.name, place: path, message: "inflates to more than \(maximumInflated >> 20) MiB")
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry) { chunk in
                    guard bytes.count + chunk.count <= budget else { throw CocoaError(.fileReadTooLarge) }
                    bytes.append(contentsOf: chunk)
                }
            } catch {
                throw ImportError(file: file.name, place: path, message: "cannot be inflated: \(error)")
            }
            budget -= bytes.count
            return bytes
        }
        guard let workbook = try entry("xl/workbook.xml") else {
            throw ImportError(file: file.name, message: "not an .xlsx workbook: no xl/workbook.xml")
        }
        var targets: [String: String] = [:]
        if let relationships = try entry("xl/_rels/workbook.xml.rels") {
            try XMLScanner.scan(relationships, file: file.name, part: "xl/_rels/workbook.xml.rels") { event in
                if case let .open(name, attributes, _) = event, name == "Relationship",
                   let id = attributes["Id"], let target = attributes["Target"] {
                    targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                }
            }
        }
        var sheets: [(name: String, path: String)] = []
        try XMLScanner.scan(workbook, file: file.name, part: "xl/workbook.xml") { event in
            if case let .open(name, attributes, _) = event, name == "sheet", let sheet = attributes["name"] {
                let id = attributes["r:id"] ?? attributes.first { $0.key.hasSuffix(":id") }?.value
                if let id, let path = targets[id] { sheets.append((sheet, path)) }
            }
        }
        var shared: [String] = []
        if let strings = try entry("xl/sharedStrings.xml") {
            var current = "", inText = false
            try XMLScanner.scan(strings, file: file.name, part: "xl/sharedStrings.xml") { event in
                switch event {
                case let .open(name, _, empty):
                    if name == "si" { current = "" }
                    if name == "t" && !empty { inText = true }
                    if name == "rPh" { inText = false }  // phonetic runs are not the text
                case let .close(name):
                    if name == "si" { shared.append(current) }
                    if name == "t" { inText = false }
                case let .text(text):
                    if inText { current += text }
                }
            }
        }
        var tables: [ImportTable] = []
        for sheet in sheets where wanted(sheet.name) {
            guard let bytes = try entry(sheet.path) else {
                throw ImportError(file: file.name, place: sheet.path, message: "the workbook names sheet \(DisplayText.quoted(sheet.name)), but the archive lacks it")
            }
            tables.append(try table(bytes, sheet: sheet.name, part: sheet.path, shared: shared, file: file.name))
        }
        return tables
    }

    /// One worksheet's cells as a table (first row: the header).
    static func table(_ bytes: [UInt8], sheet: String, part: String, shared: [String], file: String) throws(ImportError) -> ImportTable {
        var rows: [(number: Int, cells: [String])] = []
        var cells: [String] = [], rowNumber = 0
        var column = 0, type = "n", value = "", inValue = false, inInline = false
        var failure: ImportError?
        try XMLScanner.scan(bytes, file: file, part: part) { event in
            guard failure == nil else { return }
            switch event {
            case let .open(name, attributes, empty):
                switch name {
                case "row":
                    cells = []
                    rowNumber = attributes["r"].flatMap { Int($0) } ?? rowNumber + 1
                    if empty { rows.append((rowNumber, [])) }
                case "c":
                    column = attributes["r"].flatMap(columnIndex) ?? cells.count
                    type = attributes["t"] ?? "n"
                    value = ""
                    if empty, column < 16_384 { while cells.count <= column { cells.append("") } }
                case "v": inValue = !empty
                case "is": inInline = true
                case "t": inValue = inInline && !empty
                default: break
                }
            case let .close(name):
                switch name {
                case "v", "t": inValue = false
                case "is": inInline = false
                case "c":
                    guard column < 16_384 else {
                        failure = ImportError(file: file, place: "sheet \(sheet), row \(rowNumber)", message: "a cell beyond column XFD")
                        return
                    }
                    var text = value
                    if type == "s" {
                        guard let index = Int(value), shared.indices.contains(index) else {
                            failure = ImportError(file: file, place: "sheet \(sheet), row \(rowNumber)",
                                                  message: "shared string \(DisplayText.quoted(value)) is not in xl/sharedStrings.xml")
                            return
                        }
                        text = shared[index]
                    } else if type == "b" {
                        text = value == "1" ? "True" : "False"
                    }
                    while cells.count <= column { cells.append("") }
                    cells[column] = text
                case "row": rows.append((rowNumber, cells))
                default: break
                }
            case let .text(text):
                if inValue { value += text }
            }
        }
        if let failure { throw failure }
        guard let header = rows.first else { throw ImportError(file: file, place: "sheet \(sheet)", message: "empty: expected a header row and rows") }
        let columns = header.cells.map(\.trimmingSpaces)
        let body = rows.dropFirst().filter { !$0.cells.allSatisfy { $0.trimmingSpaces.isEmpty } }
        return ImportTable(file: file, sheet: sheet, columns: columns, rows: body.map { Array($0.cells.prefix(columns.count)) },
                           rowNumbers: body.map(\.number))
    }

    /// The 0-based column of a cell reference (`AB12` -> 27); nil when it has no letters.
    static func columnIndex(_ reference: String) -> Int? {
        var column = 0, letters = 0
        for byte in reference.utf8 {
            guard byte >= 0x41 && byte <= 0x5A else { break }
            column = column * 26 + Int(byte - 0x40)
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : column - 1
    }
}

/// A small XML tokenizer for the parts of an `.xlsx`: start tags with their attributes, end
/// tags and text, with the five named entities and numeric character references decoded.
/// Comments, processing instructions, declarations and CDATA are skipped (CDATA's text kept).
/// It checks no more than the part needs: tags close, attributes are quoted. O(part size).
enum XMLScanner {
    enum Event {
        /// A start tag (`empty`: `<x/>`), its name with any prefix, and its attributes.
        case open(String, [String: String], empty: Bool)
        case close(String)
        case text(String)
    }

    static func scan(_ bytes: [UInt8], file: String, part: String, _ handle: (Event) throws(ImportError) -> Void) throws(ImportError) {
        var position = 0
        let count = bytes.count
        func fail(_ message: String) -> ImportError {
            ImportError(file: file, place: part, message: "not well-formed XML at byte \(position): \(message)")
        }
        func find(_ pattern: [UInt8], from start: Int) -> Int? {
            var index = start
            while index + pattern.count <= count {
                if bytes[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
                index += 1
            }
            return nil
        }
        while position < count {
            if bytes[position] != 0x3C {  // text up to the next <
                var end = position
                while end < count && bytes[end] != 0x3C { end += 1 }
                try handle(.text(try decode(bytes[position..<end], fail)))
                position = end
                continue
            }
            if bytes[position..<min(count, position + 4)].elementsEqual([0x3C, 0x21, 0x2D, 0x2D]) {  // <!--
                guard let end = find([0x2D, 0x2D, 0x3E], from: position + 4) else { throw fail("a comment is not closed") }
                position = end + 3
                continue
            }
            if bytes[position..<min(count, position + 9)].elementsEqual(Array("<![CDATA[".utf8)) {
                guard let end = find(Array("]]>".utf8), from: position + 9) else { throw fail("a CDATA section is not closed") }
                try handle(.text(String(decoding: bytes[(position + 9)..<end], as: UTF8.self)))
                position = end + 3
                continue
            }
            if position + 1 < count && (bytes[position + 1] == 0x3F || bytes[position + 1] == 0x21) {  // <? or <!
                guard let end = find([0x3E], from: position) else { throw fail("a declaration is not closed") }
                position = end + 1
                continue
            }
            // A tag: find its end outside quoted attribute values.
            var end = position + 1, quote: UInt8 = 0
            while end < count {
                let byte = bytes[end]
                if quote != 0 { if byte == quote { quote = 0 } } else if byte == 0x22 || byte == 0x27 { quote = byte } else if byte == 0x3E { break }
                end += 1
            }
            guard end < count else { throw fail("a tag is not closed") }
            var body = bytes[(position + 1)..<end]
            position = end + 1
            if body.first == 0x2F {  // </name>
                try handle(.close(String(decoding: body.dropFirst(), as: UTF8.self).trimmingSpaces))
                continue
            }
            let empty = body.last == 0x2F
            if empty { body = body.dropLast() }
            var cursor = body.startIndex
            while cursor < body.endIndex && !isSpace(body[cursor]) { cursor += 1 }
            let name = String(decoding: body[body.startIndex..<cursor], as: UTF8.self)
            guard !name.isEmpty else { throw fail("a tag without a name") }
            let attributes = try parseAttributes(body[cursor...], of: name, fail)
            try handle(.open(name, attributes, empty: empty))
            if empty { try handle(.close(name)) }
        }
    }

    /// The attributes of a start tag after its name: `key="value"` pairs, single or double quoted.
    static func parseAttributes(_ body: ArraySlice<UInt8>, of name: String, _ fail: (String) -> ImportError) throws(ImportError) -> [String: String] {
        var attributes: [String: String] = [:]
        var cursor = body.startIndex
        while cursor < body.endIndex {
            while cursor < body.endIndex && isSpace(body[cursor]) { cursor += 1 }
            guard cursor < body.endIndex else { break }
            let nameStart = cursor
            while cursor < body.endIndex && body[cursor] != 0x3D && !isSpace(body[cursor]) { cursor += 1 }
            let key = String(decoding: body[nameStart..<cursor], as: UTF8.self)
            while cursor < body.endIndex && isSpace(body[cursor]) { cursor += 1 }
            guard cursor < body.endIndex, body[cursor] == 0x3D else { throw fail("attribute \(key) of <\(name)> has no value") }
            cursor += 1
            while cursor < body.endIndex && isSpace(body[cursor]) { cursor += 1 }
            guard cursor < body.endIndex, body[cursor] == 0x22 || body[cursor] == 0x27 else { throw fail("attribute \(key) of <\(name)> is not quoted") }
            let quoteByte = body[cursor]
            cursor += 1
            let valueStart = cursor
            while cursor < body.endIndex && body[cursor] != quoteByte { cursor += 1 }
            guard cursor < body.endIndex else { throw fail("attribute \(key) of <\(name)> is not closed") }
            attributes[key] = try decode(body[valueStart..<cursor], fail)
            cursor += 1
        }
        return attributes
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Text with its entity and character references replaced.
    static func decode(_ bytes: ArraySlice<UInt8>, _ fail: (String) -> ImportError) throws(ImportError) -> String {
        guard bytes.contains(0x26) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard bytes[index] == 0x26 else { output.append(bytes[index]); index += 1; continue }
            guard let semicolon = bytes[index...].prefix(12).firstIndex(of: 0x3B) else { throw fail("an & that starts no entity") }
            let entity = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "amp": output.append(0x26)
            case "lt": output.append(0x3C)
            case "gt": output.append(0x3E)
            case "quot": output.append(0x22)
            case "apos": output.append(0x27)
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                guard let number, let scalar = Unicode.Scalar(number) else { throw fail("unknown entity &\(entity);") }
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            index = semicolon + 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// A problem at a place in an input file other than a snapshot (a trace, an inventory export,
/// a challenge file): the file as the user named it, then the line or the place inside it.
/// Every reader of such files reports with it, so every message has one shape.
public struct FileIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or folder) as the user gave it.
    public var file: String
    /// The 1-based line, or 0 when the problem is not tied to a line (a missing or short file, or
    /// a place given by `place`).
    public var line: Int
    /// Where in the file when a line does not say it (a JSON path, a sheet and row); empty
    /// otherwise.
    public var place: String
    /// What is wrong and what was expected.
    public var message: String

    /// A problem at `file`, `line` (0: the whole file or `place`), `place` (empty: none).
    public init(file: String, line: Int = 0, place: String = "", message: String) {
        self.file = file
        self.line = line
        self.place = place
        self.message = message
    }

    /// `FILE:LINE: message`, `FILE: PLACE: message` or `FILE: message`.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        if !place.isEmpty { text += ": " + place }
        return text + ": " + message
    }
}

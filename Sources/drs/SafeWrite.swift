import Foundation
import OpenDRS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `--apply` writes, decided before anything is solved, and the one way it writes.
///
/// Guarantees (README, "--apply"):
/// - the target is never a directory, and never the input snapshot, however it is reached
///   (symlinks, `..`, hard links: files are compared by device and inode after resolving);
/// - a target that is a symlink is followed: the file it points to is replaced, the link stays;
/// - the new snapshot goes to a temporary file created exclusively (`mkstemp`, mode 0600, never
///   following a link) in the target's own directory, is written in full and fsynced, takes the
///   old file's permission bits (0644 for a new file), and is renamed over the target in one
///   step, then the directory is fsynced: a reader sees the old file or the new one, never a mix;
/// - nothing but that temporary file is ever removed, and it only when writing failed.
struct ApplyTarget {
    /// The resolved path the snapshot replaces (or creates).
    let path: String
    /// Permission bits the written file takes.
    let mode: mode_t
    /// The option that named the target, for messages (`--apply`, `--output`).
    let option: String

    /// Resolves `path` and refuses a directory, a missing directory, or the input itself.
    /// - Throws: `ExitFailure` with exit code 2 naming the problem.
    init(_ given: String, input: String?) throws {
        try self.init(given, inputs: input.map { [$0] } ?? [], option: "--apply", inputKind: "the input snapshot")
    }

    /// Resolves `path` for `option` and refuses a directory, a missing directory, or any of
    /// `inputs` (`inputKind` names them in the message).
    init(_ given: String, inputs: [String], option: String, inputKind: String) throws {
        func refuse(_ message: String) -> ExitFailure {
            ExitFailure(code: ExitStatus.invalidInput, message: "\(option): \(DisplayText.escaped(given)): \(message)")
        }
        if given.isEmpty { throw refuse("empty path") }
        if given.hasSuffix("/") { throw refuse("is a directory; give a file name") }
        var resolved = given
        var info = stat()
        if lstat(given, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            // Follow the link (to any depth) to the file it names; a dangling link resolves to
            // the path it points at.
            guard let real = ApplyTarget.resolveLink(given) else { throw refuse("cannot resolve the symbolic link") }
            resolved = real
        }
        var mode: mode_t = 0o644
        if stat(resolved, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw refuse("is a directory; give a file name") }
            if (info.st_mode & S_IFMT) != S_IFREG { throw refuse("is not a regular file") }
            mode = info.st_mode & 0o777
            for input in inputs where input != "-" {
                var inputInfo = stat()
                if stat(input, &inputInfo) == 0, inputInfo.st_dev == info.st_dev, inputInfo.st_ino == info.st_ino {
                    throw refuse("is \(inputKind); write the result to a new file, the input is never overwritten")
                }
            }
        }
        let directory = ApplyTarget.directory(of: resolved)
        var directoryInfo = stat()
        guard stat(directory, &directoryInfo) == 0, (directoryInfo.st_mode & S_IFMT) == S_IFDIR else {
            throw refuse("the folder \(DisplayText.escaped(directory)) does not exist")
        }
        self.path = resolved
        self.mode = mode
        self.option = option
    }

    /// Writes what `produce` writes to a fresh temporary file beside the target, in chunks as it
    /// comes, and renames it over the target.
    /// - Throws: `ExitFailure` (exit 1) when the file system refuses; the target is then untouched.
    func write(_ produce: (JSONOutput) -> Void) throws {
        let directory = ApplyTarget.directory(of: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? "snapshot"
        var template = Array(((directory == "/" ? "/" : directory + "/") + "." + base + ".XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory): \(ApplyTarget.errorText())") }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            let output = JSONOutput(chunkSize: 1 << 20) { chunk in
                guard writeAll(descriptor, chunk) else { throw failure("cannot write: \(ApplyTarget.errorText())") }
            }
            produce(output)
            try output.finish()
            guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else { throw failure("cannot write: \(ApplyTarget.errorText())") }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw failure("cannot write: \(ApplyTarget.errorText())") }
        guard rename(temporary, path) == 0 else { throw failure("cannot replace the file: \(ApplyTarget.errorText())") }
        renamed = true
        let directoryDescriptor = open(directory, O_RDONLY)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private func failure(_ message: String) -> ExitFailure {
        ExitFailure(code: 1, message: "\(option): \(DisplayText.escaped(path)): \(message)")
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }

    /// The folder part of a path ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// Follows a chain of symbolic links (at most 40) to the path at its end.
    private static func resolveLink(_ start: String) -> String? {
        var current = start
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { return nil }
            let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
        }
        return nil
    }
}

/// Writes all of `bytes` to `descriptor`, retrying after interruptions and partial writes;
/// false (errno set) when the system refuses.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// Writes what `produce` writes to standard output, in chunks as it comes: after whatever
/// `print` buffered, with nothing held back.
/// - Throws: `ExitFailure` (exit 1) when standard output refuses the bytes.
func printJSON(_ produce: (JSONOutput) -> Void) throws {
    fflush(nil)
    let output = JSONOutput(chunkSize: 1 << 16) { chunk in
        guard writeAll(STDOUT_FILENO, chunk) else {
            throw ExitFailure(code: 1, message: "cannot write to standard output: \(String(cString: strerror(errno)))")
        }
    }
    produce(output)
    try output.finish()
}

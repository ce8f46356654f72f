/// One result slot per iteration of `DispatchQueue.concurrentPerform`: each iteration writes
/// only its own slot, and `concurrentPerform` returns after every iteration ends, so reads
/// after it see them all (no lock needed).
package final class ConcurrentSlots<Element>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Element?>

    /// `count` empty slots. O(count).
    package init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    /// Writes slot `i`; call once per slot, from the iteration that owns it.
    package func store(_ value: Element?, at i: Int) {
        precondition(i >= 0 && i < buffer.count, "slot out of range")
        buffer[i] = value
    }

    /// The values stored, in slot order (empty slots left out).
    package func values() -> [Element] { buffer.compactMap { $0 } }
}

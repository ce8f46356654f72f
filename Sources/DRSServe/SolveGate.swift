import DRSExact
import Foundation

/// Runs solves on their own threads, at most `slots` at once, first come first served: the
/// event loops never block on a solve, and requests beyond the slots wait in order.
package actor SolveGate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Solves running and requests waiting, for `/metrics`.
    package private(set) var running = 0
    package var queued: Int { waiting.count }

    package init(slots: Int) { free = max(1, slots) }

    /// `work`'s result, computed on a thread of its own (16 MiB of stack, as deep as a solve on
    /// the main thread may go) once a slot is free; the thread's GLPK environment is freed
    /// before it ends.
    package func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await acquire()
        running += 1
        let result = await withCheckedContinuation { (done: CheckedContinuation<T, Never>) in
            let thread = Thread {
                let result = work()
                releaseGLPKEnvironment()
                done.resume(returning: result)
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        running -= 1
        release()
        return result
    }

    private func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

import DRSExact
import Foundation

/// Runs solves on their own threads, at most `slots` at once, first come first served: the
/// event loops never block on a solve, and requests beyond the slots wait in order, each at
/// most its queue limit.
package actor SolveGate {
    private var free: Int
    private var waiting: [(id: UInt64, turn: CheckedContinuation<Bool, Never>)] = []
    private var nextID: UInt64 = 0
    /// Solves running and requests waiting, for `/metrics`.
    package private(set) var running = 0
    package var queued: Int { waiting.count }

    package init(slots: Int) { free = max(1, slots) }

    /// `work`'s result, computed on a thread of its own (16 MiB of stack, as deep as a solve on
    /// the main thread may go) once a slot is free; the thread's GLPK environment is freed
    /// before it ends. Nil, with nothing run, when no slot came free within `seconds`.
    package func run<T: Sendable>(waitingAtMost seconds: Double, _ work: @escaping @Sendable () -> T) async -> T? {
        guard await acquire(within: seconds) else { return nil }
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

    /// Takes a slot: at once when one is free, else in arrival order; false when `seconds`
    /// passed first (the request leaves the queue).
    private func acquire(within seconds: Double) async -> Bool {
        if free > 0 {
            free -= 1
            return true
        }
        let id = nextID
        nextID += 1
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            if !Task.isCancelled { self.expire(id) }
        }
        let granted = await withCheckedContinuation { waiting.append((id, $0)) }
        timer.cancel()
        return granted
    }

    private func expire(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).turn.resume(returning: false)
    }

    private func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().turn.resume(returning: true)
        }
    }
}

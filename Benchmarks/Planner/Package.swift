// swift-tools-version:6.0
import PackageDescription
import Foundation

// The root package's identity is its folder name, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// Planner benchmarks (waves at scale, failover --all): a separate package so the main build
// never carries benchmark code. Run: swift run -c release planner-bench
let package = Package(
    name: "PlannerBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "planner-bench", dependencies: [.product(name: "OpenDRS", package: root)]),
    ]
)

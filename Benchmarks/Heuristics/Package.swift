// swift-tools-version:6.0
import PackageDescription

// Release-mode benchmark of the constructive heuristics and their SIMD kernels.
// Run from this folder: swift run -c release heuristics-benchmark
let package = Package(
    name: "HeuristicsBenchmark",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "OpenDRS", path: "../..")],
    targets: [
        .executableTarget(
            name: "heuristics-benchmark",
            dependencies: [.product(name: "OpenDRS", package: "OpenDRS")],
            path: "Sources/HeuristicsBenchmark"
        ),
    ]
)

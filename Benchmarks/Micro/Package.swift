// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of OpenDRS's hot kernels with ordo-one/benchmark. A package of its own, so
// that building or testing OpenDRS never pulls benchmark-only dependencies.
// Run from this folder: swift package benchmark  (see README.md)
let package = Package(
    name: "OpenDRSMicroBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "OpenDRS", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "OpenDRSMicro",
            dependencies: [
                .product(name: "OpenDRS", package: "OpenDRS"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/OpenDRSMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

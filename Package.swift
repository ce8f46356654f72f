// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "OpenDRS",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "OpenDRS", targets: ["OpenDRS"]),
        // Model, heuristics, planner and checker without the exact solver: no GLPK to install
        // or link (the planner then has no exact fallback; see README, Library).
        .library(name: "OpenDRSCore", targets: ["OpenDRSCore"]),
        .executable(name: "drs", targets: ["drs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `swift package generate-documentation` (the DocC catalog in Sources/OpenDRS/OpenDRS.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `drs serve` only (DRSServe); no trait: swift-configuration is not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // GLPK from Debian's libglpk-dev (DRSExact is the only Swift module that imports it).
        .systemLibrary(
            name: "CGLPK",
            pkgConfig: nil,
            providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]
        ),
        // GLPK calls under an error hook, so that a GLPK failure never ends the process.
        .target(name: "CGLPKGuard", dependencies: ["CGLPK"]),
        .target(name: "DRSModel"),
        .target(name: "DRSHeuristics", dependencies: ["DRSModel"]),
        .target(name: "DRSExact", dependencies: ["DRSModel", "DRSHeuristics", "CGLPK", "CGLPKGuard"]),
        // The planner needs no GLPK: where DRSExact is linked, it registers the exact solver as the
        // planner's fallback for small problems (`ExactFallback` in DRSModel).
        .target(name: "DRSPlanner", dependencies: ["DRSModel", "DRSHeuristics"]),
        // Every solver by name (`--solver`), `auto` and the exact solver checked by the planner.
        .target(name: "DRSSolvers", dependencies: ["DRSModel", "DRSHeuristics", "DRSExact", "DRSPlanner"]),
        .target(name: "DRSBench", dependencies: ["DRSModel", "DRSHeuristics", "DRSExact", "DRSPlanner", "DRSSolvers"]),
        // `drs simulate`: trace replay, the reference consolidation policy, OpenDRS policies over time.
        .target(name: "DRSSim", dependencies: ["DRSModel", "DRSHeuristics", "DRSPlanner", "DRSSolvers"]),
        // The ROADEF/EURO Challenge 2012 machine reassignment problem: its files, its official
        // cost and constraints, and the snapshot it becomes (`drs import roadef`, `drs export roadef`).
        .target(name: "DRSRoadef", dependencies: ["DRSModel"]),
        // `drs import`: cluster inventory exports (kubectl, pvesh, govc, RVTools) to snapshots,
        // one file per format over one mapping layer (`ImportedCluster`).
        .target(name: "DRSImport", dependencies: ["DRSModel", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // What `drs plan|check|failover|evacuate|validate` and `drs serve` share: the jobs, their
        // answers and the plan's bytes, so both print the same thing for the same input.
        .target(name: "DRSJobs", dependencies: ["DRSModel", "DRSPlanner", "DRSSolvers"]),
        // `drs serve`: the HTTP layer (Hummingbird) over DRSJobs. The OpenDRS library does not link it.
        .target(
            name: "DRSServe",
            dependencies: [
                "DRSJobs",
                "DRSExact",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The facade a scheduler imports; the generators and bench runner (DRSBench) are for
        // `drs` and the tests only.
        .target(name: "OpenDRS", dependencies: ["DRSModel", "DRSHeuristics", "DRSExact", "DRSPlanner", "DRSSolvers"]),
        .target(name: "OpenDRSCore", dependencies: ["DRSModel", "DRSHeuristics", "DRSPlanner"]),
        .executableTarget(
            name: "drs",
            dependencies: [
                "OpenDRS",
                "DRSBench",
                "DRSSim",
                "DRSRoadef",
                "DRSImport",
                "DRSJobs",
                "DRSServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tests, one target per module under test. DRSTestSupport holds the shared fixtures (paths,
        // snapshot builders, a runner for the built `drs`); it is not a product. The solver and
        // planner targets also link the planner and the generators: they judge solvers by the
        // checked plans the planner builds, on generated snapshots. Every test of these modules
        // that runs the `drs` binary is in CLITests (DRSSimTests keeps the simulator's own).
        .target(name: "DRSTestSupport", dependencies: ["DRSModel"], path: "Tests/DRSTestSupport"),
        .testTarget(name: "DRSModelTests", dependencies: ["DRSModel", "DRSTestSupport"]),
        .testTarget(
            name: "DRSHeuristicsTests",
            dependencies: ["DRSModel", "DRSHeuristics", "DRSExact", "DRSPlanner", "DRSSolvers", "DRSBench", "DRSTestSupport"]
        ),
        .testTarget(
            name: "DRSExactTests",
            dependencies: ["DRSModel", "DRSHeuristics", "DRSExact", "DRSPlanner", "DRSSolvers", "DRSBench", "DRSTestSupport"]
        ),
        .testTarget(
            name: "DRSPlannerTests",
            dependencies: [
                "DRSModel", "DRSHeuristics", "DRSExact", "DRSPlanner", "DRSSolvers", "DRSBench", "DRSTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "DRSBenchTests", dependencies: ["DRSModel", "DRSExact", "DRSPlanner", "DRSSolvers", "DRSBench", "DRSTestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["OpenDRS", "DRSBench", "DRSRoadef", "DRSImport", "DRSJobs", "DRSServe", "DRSTestSupport", "drs"],
            exclude: ["Golden", "ExactCases"]
        ),
        .testTarget(name: "DRSSimTests", dependencies: ["DRSSim", "drs"]),
        .testTarget(name: "DRSRoadefTests", dependencies: ["DRSRoadef", "DRSModel", "DRSTestSupport"]),
    ]
)

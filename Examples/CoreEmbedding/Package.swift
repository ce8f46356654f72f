// swift-tools-version:6.1
import PackageDescription

// A scheduler that embeds OpenDRS without the exact solver: it links OpenDRSCore (model,
// heuristics, planner, checker), so it needs no GLPK to build, link or run.
// scripts/core-embedding.sh builds it and checks that the program does not link GLPK.
let package = Package(
    name: "CoreEmbedding",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "OpenDRS", path: "../..")],
    targets: [
        .executableTarget(name: "core-embedding", dependencies: [.product(name: "OpenDRSCore", package: "OpenDRS")]),
    ]
)

@_spi(Benchmarks) import DRSModel

/// A VM size from a public-cloud style catalog: vCPU count and memory per vCPU, plus how busy it is.
struct CatalogSize {
    static let vcpuChoices = [1, 2, 4, 8, 16, 32, 64]
    /// Small sizes dominate real fleets.
    static let vcpuWeights: [Double] = [25, 30, 22, 12, 6, 3, 2]
    static let gibPerVCPUChoices = [2, 4, 8]
    static let gibPerVCPUWeights: [Double] = [1, 2, 1]
    /// MHz one fully busy vCPU uses.
    static let mhzPerVCPU = 2000.0

    var vcpu: Int
    var gibPerVCPU: Int
    /// 0.1 to 0.9: the fraction of its vCPUs the VM keeps busy.
    var utilization: Double
    /// Mbit/s and IOPS per vCPU, drawn once per VM.
    var networkPerVCPU: Double
    var iopsPerVCPU: Double

    static func draw(_ random: inout SplitMix64, maxVCPU: Int) -> CatalogSize {
        var vcpu = vcpuChoices[random.pick(weights: vcpuWeights)]
        vcpu = min(vcpu, maxVCPU)
        let gib = gibPerVCPUChoices[random.pick(weights: gibPerVCPUWeights)]
        let utilization = 0.1 + 0.8 * random.unit()
        let network = 25 + 75 * random.unit()
        let iops = 20 + 280 * random.unit()
        return CatalogSize(vcpu: vcpu, gibPerVCPU: gib, utilization: utilization, networkPerVCPU: network, iopsPerVCPU: iops)
    }

    /// Integer demands for the first `resources` of cpu (MHz), memory (MiB), network, storage.
    func demand(_ resources: Int) -> [Double] {
        let values = [(Double(vcpu) * CatalogSize.mhzPerVCPU * utilization).rounded(),
                      Double(vcpu * gibPerVCPU * 1024),
                      (Double(vcpu) * networkPerVCPU).rounded(),
                      (Double(vcpu) * iopsPerVCPU).rounded()]
        return Array(values.prefix(resources))
    }
}

/// Common two-socket server models, smallest first.
struct HostModel {
    var cores: Int
    var mhzPerCore: Int
    var memoryGiB: Int
    var networkMbps: Int
    var iops: Int

    static let models = [
        HostModel(cores: 16, mhzPerCore: 2400, memoryGiB: 128, networkMbps: 10_000, iops: 50_000),
        HostModel(cores: 32, mhzPerCore: 2600, memoryGiB: 256, networkMbps: 25_000, iops: 100_000),
        HostModel(cores: 48, mhzPerCore: 2800, memoryGiB: 512, networkMbps: 25_000, iops: 150_000),
        HostModel(cores: 64, mhzPerCore: 2400, memoryGiB: 1024, networkMbps: 50_000, iops: 200_000),
        HostModel(cores: 96, mhzPerCore: 2200, memoryGiB: 1536, networkMbps: 100_000, iops: 300_000),
        HostModel(cores: 128, mhzPerCore: 2200, memoryGiB: 2048, networkMbps: 100_000, iops: 400_000),
    ]

    /// Capacities in cpu (MHz), memory (MiB), network (Mbit/s), storage (IOPS) order, times `scale`.
    func capacity(scale: Int) -> [Double] {
        [Double(cores * mhzPerCore * scale), Double(memoryGiB * 1024 * scale), Double(networkMbps * scale), Double(iops * scale)]
    }

    /// `count` hosts of common sizes whose placeable capacity over `usableHosts` of them puts
    /// the total demand at about `target` utilization, each large enough for the largest VM.
    /// Each host is the smallest sufficient model or the next larger one (chosen at random).
    /// When even the largest model is too small, it is used in multiples (a bigger box of the
    /// same shape), so that any requested size can be generated.
    static func size(count: Int, demands: [[Double]], resources: [String], usableHosts: Int, target: Double,
                     maxUtilization: [Double], random: inout SplitMix64) -> [ClusterHost] {
        let R = resources.count
        var totals = [Double](repeating: 0, count: R)
        var largest = [Double](repeating: 0, count: R)
        for demand in demands {
            for r in 0..<R {
                totals[r] += demand[r]
                largest[r] = max(largest[r], demand[r])
            }
        }
        let perHost = (0..<R).map { max(totals[$0] / (target * Double(max(usableHosts, 1))), largest[$0]) / maxUtilization[$0] }
        func sufficient(_ capacity: [Double]) -> Bool { (0..<R).allSatisfy { capacity[$0] >= perHost[$0] } }
        var chosen = models.count - 1
        var scale = 1
        if let index = models.firstIndex(where: { sufficient($0.capacity(scale: 1)) }) {
            chosen = index
        } else {
            while !sufficient(models[chosen].capacity(scale: scale)) { scale += 1 }
        }
        return Generator.ids("h", count: count).map { id in
            let bigger = chosen + 1 < models.count && scale == 1 && random.chance(0.5)
            let capacity = models[bigger ? chosen + 1 : chosen].capacity(scale: scale)
            return ClusterHost(id: id, capacity: Generator.demandMap(Array(capacity.prefix(R)), resources))
        }
    }
}

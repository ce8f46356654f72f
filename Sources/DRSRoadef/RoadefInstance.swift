/// One instance of the ROADEF/EURO Challenge 2012 machine reassignment problem (Google):
/// machines with capacities, processes with requirements, each on one machine initially, and
/// the weights of the official objective. Everything is a whole number, as in the challenge's
/// files; arrays are flat and indexed the way the files number things (0-based).
///
/// Sizes of the published instances: R <= 12 resources, M <= 5,000 machines, P <= 50,000
/// processes. Memory is O(M^2 + P x R) (the machine move cost matrix dominates).
public struct RoadefInstance: Sendable, Equatable {
    /// Per resource: whether it is transient (a moved process still uses it on its original
    /// machine until the reassignment ends).
    public var transient: [Bool]
    /// Per resource: the weight of its load cost.
    public var loadCostWeight: [Int]
    /// Per machine: its neighborhood (dependency constraints) and location (spread constraints).
    public var neighborhood: [Int]
    public var location: [Int]
    /// Machine x resource, flat (`m * resourceCount + r`): hard capacity and safety capacity.
    public var capacity: [Int]
    public var safetyCapacity: [Int]
    /// Original machine x new machine, flat (`from * machineCount + to`): the machine move cost.
    public var machineMoveCost: [Int]
    /// Per service: the least number of distinct locations its processes must occupy.
    public var spreadMin: [Int]
    /// Per service: the services it depends on.
    public var dependencies: [[Int]]
    /// Per process: its service, its move cost, and (flat, `p * resourceCount + r`) requirements.
    public var service: [Int]
    public var requirement: [Int]
    public var processMoveCost: [Int]
    /// Balance objectives: for each, on every machine, target x available(r1) - available(r2)
    /// above zero costs `weight` per unit.
    public var balances: [Balance]
    /// Weights of the three move cost terms.
    public var processMoveWeight: Int
    public var serviceMoveWeight: Int
    public var machineMoveWeight: Int

    /// A balance objective (r1, r2, target) and its weight.
    public struct Balance: Sendable, Equatable {
        public var first: Int
        public var second: Int
        public var target: Int
        public var weight: Int

        public init(first: Int, second: Int, target: Int, weight: Int) {
            self.first = first
            self.second = second
            self.target = target
            self.weight = weight
        }
    }

    /// Number of resources (R).
    public var resourceCount: Int { transient.count }
    /// Number of machines (M).
    public var machineCount: Int { neighborhood.count }
    /// Number of services (S).
    public var serviceCount: Int { spreadMin.count }
    /// Number of processes (P).
    public var processCount: Int { service.count }

    /// An empty instance: no resources, machines, services or processes, all weights 0.
    public init() {
        transient = []
        loadCostWeight = []
        neighborhood = []
        location = []
        capacity = []
        safetyCapacity = []
        machineMoveCost = []
        spreadMin = []
        dependencies = []
        service = []
        requirement = []
        processMoveCost = []
        balances = []
        processMoveWeight = 0
        serviceMoveWeight = 0
        machineMoveWeight = 0
    }

    /// Capacity of machine `m` in resource `r`.
    @inline(__always) public func capacity(_ m: Int, _ r: Int) -> Int { capacity[m * resourceCount + r] }
    /// Safety capacity of machine `m` in resource `r`.
    @inline(__always) public func safetyCapacity(_ m: Int, _ r: Int) -> Int { safetyCapacity[m * resourceCount + r] }
    /// Requirement of process `p` in resource `r`.
    @inline(__always) public func requirement(_ p: Int, _ r: Int) -> Int { requirement[p * resourceCount + r] }
    /// Cost of moving a process from machine `from` to machine `to` (0 when they are equal in
    /// the published instances).
    @inline(__always) public func machineMoveCost(_ from: Int, _ to: Int) -> Int { machineMoveCost[from * machineCount + to] }

    /// The processes of each service, in process order.
    public var processesByService: [[Int]] {
        var lists = Array(repeating: [Int](), count: serviceCount)
        for (p, s) in service.enumerated() { lists[s].append(p) }
        return lists
    }
}

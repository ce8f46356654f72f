@_exported import DRSModel
@_exported import DRSHeuristics
@_exported import DRSExact
@_exported import DRSPlanner
@_exported import DRSSolvers

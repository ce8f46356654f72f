@_exported import DRSModel
@_exported import DRSHeuristics
@_exported import DRSPlanner

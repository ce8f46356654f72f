import DRSModel

/// Deterministic benchmark snapshot generators (`drs generate`).
public enum Generator {}

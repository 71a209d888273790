//! What a plot shows of an array: axis and slice choice, channel sets, colour ranges and maps, statistics, export.

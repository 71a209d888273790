//! Arrays: the lazy reference to a stored `.npy` (the `NpyRef` counterpart), loading, memory
//! maps, row windows, and views of the numbers the plots need.

// What other features use of sweeps: the report page shows a sweep's results instead of a single test's.
export { isSweep } from "./api";
export { SweepReport } from "./SweepReport";

// A workflow that does nothing: the bare Temporal ceiling the backfill bench compares against.
export async function emptyWorkflow(): Promise<void> {}

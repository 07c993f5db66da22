/** What a worker name may be: short, printable, safe as a metric label value and in a file. */
export const WORKER_NAME = /^[A-Za-z0-9._:-]{1,64}$/;

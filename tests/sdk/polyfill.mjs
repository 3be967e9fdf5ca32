// The SDK declares Node >= 22; Node 20 lacks Promise.withResolvers. Imported
// before the SDK by every script so module evaluation order installs it first.
if (!Promise.withResolvers) Promise.withResolvers = function () { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject }; };

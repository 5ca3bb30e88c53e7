// `node --import` this file in a forked child to give it the `process.parentPort` an Electron
// utility process has, over Node's own IPC channel.
process.parentPort = {
  on(event, listener) {
    if (event === 'message') process.on('message', (data) => listener({ data }));
  },
  postMessage(message) {
    process.send(message);
  },
};

// A utility process ends with its parent.
process.on('disconnect', () => process.exit(0));

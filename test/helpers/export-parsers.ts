// The phase 6 wire schemas tests check what goes out against (they live with the messages).
export * from '../../src/messages/export-wire';

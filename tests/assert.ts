/**
 * The assertions the tests use, kept behind one small module so that they can
 * be swapped for `jsr:@std/assert` where JSR is reachable.
 *
 * @module
 */
export {
  deepEqual as assertEquals,
  equal as assertStrictEquals,
  match as assertMatch,
  notEqual as assertNotEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";

/** The board descriptors of boards/, validated; looked up by name. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { BoardError, validateBoard, type BoardDescriptor } from './descriptor.ts';

export const boardsDir = join(repoRoot, 'boards');

export function loadBoards(): BoardDescriptor[] {
  return readdirSync(boardsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(join(boardsDir, file), 'utf8'));
      } catch (error) {
        throw new BoardError(`boards/${file}: not valid JSON (${(error as Error).message})`);
      }
      return validateBoard(parsed, `boards/${file}`);
    });
}

export function findBoard(name: string): BoardDescriptor {
  const boards = loadBoards();
  const board = boards.find((b) => b.name === name);
  if (!board) throw new BoardError(`unknown board '${name}'; known: ${boards.map((b) => b.name).join(', ')}`);
  return board;
}

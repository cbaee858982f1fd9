/** An HTTP error answer: its status and the one sentence of its JSON body, saying what to do. */
import { MoteError } from '../../agent/src/errors.ts';

export class HttpError extends MoteError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

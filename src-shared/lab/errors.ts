/**
 * A lab command that is well-formed but cannot apply to the lab as it is (a slot the lab does
 * not have, too few nodes for a partition, a schedule whose faults outlast their period). Its
 * message is one line naming what is wrong and what is allowed, so the CLI, the monitor and a
 * scenario file can show it as it is.
 */
export class LabCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabCommandError';
  }
}

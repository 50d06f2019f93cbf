import { compact } from "../../core/cloud-event";
import { isRecord } from "../../lib/json";
import { text } from "../text-field";

/**
 * An operator or creator as the event's `operator`, `participant` or `meeting.creator`.
 * `userid` is empty for PSTN and room joins, and `uuid` may be too; `ms_open_id` (the
 * in-meeting id) then identifies the person. `instance_id` is the device type, as a string.
 * https://cloud.tencent.com/document/product/1095/51620
 */
export function personOf(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const msOpenId = text(value.ms_open_id);
  const person = compact({
    id: text(value.userid) ?? text(value.uuid) ?? text(value.open_id) ?? msOpenId,
    name: text(value.user_name),
    uuid: text(value.uuid),
    openId: text(value.open_id),
    msOpenId,
    instanceId: text(value.instance_id),
  });
  return Object.keys(person).length > 0 ? (person as Record<string, string>) : undefined;
}

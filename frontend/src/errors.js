// Every failure as a sentence in the app's words: never a field name or a framework's message.
import { ApiError, failureKind } from "./api.js";
import { t } from "./i18n.js";

// Fields whose server messages we wrote ourselves as sentences for people (accounts, data rights).
const OWN_SENTENCES = new Set(["detail", "non_field_errors", "password", "confirm", "quiet_hours"]);

/** The sentences for one field's errors: the app's own wording where it has one. */
function fieldSentence(field, messages) {
  const own = t(`field.${field}`);
  if (own !== `field.${field}`) return own;
  if (OWN_SENTENCES.has(field)) return [].concat(messages).join(" ");
  return t("error.checkField", { field: field.replace(/_/g, " ") });
}

/** What to tell the person when `error` (from api()) stopped something they did. */
export function errorMessage(error) {
  const kind = failureKind(error);
  if (kind === "refused" && error instanceof ApiError && error.body && typeof error.body === "object") {
    // A ready-made sentence for people (the reminders API's "message"); "code" is for programs.
    if (typeof error.body.message === "string" && error.body.message) return error.body.message;
    const fields = Object.entries(error.body).filter(([field]) => field !== "code");
    const sentences = fields.map(([field, messages]) => fieldSentence(field, messages));
    if (sentences.length) return [...new Set(sentences)].join(" ");
  }
  return t(`error.${kind}`);
}

// The peer: the webhook handler of the iDenfy guide this project started from (../../../../shared/SEED.txt),
// ported faithfully — store each payload by clientId, as `identity` when `tokenType` is
// IDENTIFICATION and as `document` otherwise, and once both are there compare docFirstName,
// docLastName and docDob with === — and made durable the plain way: read the clientId's
// record, change it, write it back (GetItem + PutItem, no condition). Run as a Lambda
// function through the Runtime API, like the Rust functions in `make bench`.
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";

const dynamodb = new DynamoDBClient({});
const table = process.env.TABLE_NAME;

async function updateUserStatus(verifications, status) {
  verifications.status = status;
}

export async function handler(event) {
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  const payload = JSON.parse(raw);
  const clientId = payload.clientId;

  const stored = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { clientId: { S: clientId } }, ConsistentRead: true }),
  );
  const verifications = stored.Item ? JSON.parse(stored.Item.verifications.S) : {};

  // Store based on scanRef or tokenType (the guide's own words; iDenfy sends no tokenType).
  if (payload.tokenType === "IDENTIFICATION") {
    verifications.identity = payload;
  } else {
    verifications.document = payload;
  }

  if (verifications.identity && verifications.document) {
    const identity = verifications.identity.data;
    const document = verifications.document.data;
    const isMatch =
      identity.docFirstName === document.docFirstName &&
      identity.docLastName === document.docLastName &&
      identity.docDob === document.docDob;
    await updateUserStatus(verifications, isMatch ? "VERIFIED" : "REQUIRES_REVIEW");
  }

  await dynamodb.send(
    new PutItemCommand({
      TableName: table,
      Item: { clientId: { S: clientId }, verifications: { S: JSON.stringify(verifications) } },
    }),
  );
  return { statusCode: 200, body: "OK" };
}

// The Lambda Runtime API loop (what a Node.js managed runtime does for you).
const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
for (;;) {
  const next = await fetch(`${api}/invocation/next`);
  const requestId = next.headers.get("lambda-runtime-aws-request-id");
  const event = await next.json();
  try {
    const result = await handler(event);
    await fetch(`${api}/invocation/${requestId}/response`, { method: "POST", body: JSON.stringify(result) });
  } catch (error) {
    await fetch(`${api}/invocation/${requestId}/error`, {
      method: "POST",
      body: JSON.stringify({ errorMessage: String(error), errorType: error?.name ?? "Error" }),
    });
  }
}

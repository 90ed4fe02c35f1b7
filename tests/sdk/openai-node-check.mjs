// Drives Cachette with the official OpenAI Node SDK, the way real clients (Open Interpreter,
// LangChain.js, editors) call it, and prints ONE JSON object with everything it saw on stdout.
// tests/e2e/TestOpenAiSdk.cpp runs it against the real binary in front of the fake upstream
// and judges the results; this script only reports (it exits 1 only when the SDK throws).
//
//   CACHETTE_BASE_URL  the proxy's OpenAI base URL, e.g. http://127.0.0.1:PORT/v1 (required)
//   CACHETTE_API_KEY   the API key the SDK sends (falls back to OPENAI_API_KEY)

import OpenAI from 'openai';
import { VERSION } from 'openai/version';

const baseURL = process.env.CACHETTE_BASE_URL;
const apiKey = process.env.CACHETTE_API_KEY || process.env.OPENAI_API_KEY;
if (!baseURL || !apiKey) {
  process.stderr.write('openai-node-check: set CACHETTE_BASE_URL and CACHETTE_API_KEY\n');
  process.exit(2);
}

// No retries: every request the SDK makes must show up once in the fake upstream's record.
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });

// Open Interpreter's one tool.
const executeTool = {
  type: 'function',
  function: {
    name: 'execute',
    description: "Executes code on the user's machine in the users local environment and returns the output",
    parameters: {
      type: 'object',
      properties: {
        language: {
          type: 'string',
          description: 'The programming language (required parameter to the `execute` function)',
          enum: ['python', 'shell', 'javascript'],
        },
        code: { type: 'string', description: 'The code to execute (required)' },
      },
      required: ['language', 'code'],
    },
  },
};

const system = { role: 'system', content: 'You are Open Interpreter, a world-class programmer.' };
const chatRequest = {
  model: 'gpt-4o-mini',
  messages: [system, { role: 'user', content: 'say hello from the node sdk' }],
  temperature: 0,
};
const toolsRequest = {
  model: 'gpt-4o',
  messages: [system, { role: 'user', content: 'list the files in the current directory' }],
  tools: [executeTool],
};
const usageRequest = {
  model: 'gpt-4o-mini',
  messages: [system, { role: 'user', content: 'count my tokens please' }],
};
const embeddingInput = 'cachette caches embeddings too';

// Every x-cachette* header of a response, names lower-cased.
function cachetteHeaders(response) {
  const out = {};
  response.headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith('x-cachette')) out[name.toLowerCase()] = value;
  });
  return out;
}

async function chatOnce() {
  const { data, response } = await client.chat.completions.create(chatRequest).withResponse();
  const choice = data.choices[0];
  return {
    status: response.status,
    headers: cachetteHeaders(response),
    id: data.id,
    object: data.object,
    content: choice.message.content,
    finishReason: choice.finish_reason,
    usage: data.usage ?? null,
  };
}

// Reassembles a streamed answer the way a client does: content and tool calls from the deltas.
async function streamOnce(request) {
  const { data: stream, response } = await client.chat.completions.create({ ...request, stream: true }).withResponse();
  const result = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: cachetteHeaders(response),
    chunks: 0,
    role: null,
    content: '',
    toolCalls: [],
    finishReason: null,
    usageChunks: 0,
    usage: null,
    objects: [],
  };
  for await (const chunk of stream) {
    result.chunks += 1;
    if (!result.objects.includes(chunk.object)) result.objects.push(chunk.object);
    if (chunk.usage) {
      result.usageChunks += 1;
      result.usage = chunk.usage;
    }
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta ?? {};
      if (delta.role) result.role = delta.role;
      if (delta.content) result.content += delta.content;
      for (const tc of delta.tool_calls ?? []) {
        const call = (result.toolCalls[tc.index] ??= { index: tc.index, id: '', type: '', name: '', arguments: '' });
        if (tc.id) call.id += tc.id;
        if (tc.type) call.type += tc.type;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.arguments += tc.function.arguments;
      }
      if (choice.finish_reason) result.finishReason = choice.finish_reason;
    }
  }
  return result;
}

// The non-stream form of the streamed tools request: served from the recorded stream.
async function crossModeOnce() {
  const { data, response } = await client.chat.completions.create(toolsRequest).withResponse();
  const choice = data.choices[0];
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: cachetteHeaders(response),
    object: data.object,
    role: choice.message.role,
    content: choice.message.content,
    toolCalls: (choice.message.tool_calls ?? []).map((tc, index) => ({
      index,
      id: tc.id,
      type: tc.type,
      name: tc.function?.name,
      arguments: tc.function?.arguments,
    })),
    finishReason: choice.finish_reason,
    usage: data.usage ?? null,
  };
}

// No encoding_format: the SDK asks for base64 and decodes it to floats itself.
async function embeddingsOnce() {
  const { data, response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: embeddingInput }).withResponse();
  const first = data.data[0];
  return {
    status: response.status,
    headers: cachetteHeaders(response),
    count: data.data.length,
    isArray: Array.isArray(first.embedding),
    embedding: Array.from(first.embedding),
    usage: data.usage ?? null,
  };
}

// A stream the provider cuts midway (the fake upstream drops model "gpt-4o-dropped" after three
// chunks): the SDK must raise, not hand back half an answer as if it were whole.
async function droppedStreamOnce() {
  const seen = { chunks: 0, content: '', threw: false, name: null, message: null };
  try {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-dropped',
      messages: [system, { role: 'user', content: 'this answer will be cut' }],
      stream: true,
    });
    for await (const chunk of stream) {
      seen.chunks += 1;
      seen.content += chunk.choices?.[0]?.delta?.content ?? '';
    }
  } catch (error) {
    seen.threw = true;
    seen.name = error?.constructor?.name ?? typeof error;
    seen.message = String(error?.message ?? error);
  }
  return seen;
}

// The Responses API as Codex and the Agents SDK call it, with a function tool (the fake answers
// model "gpt-5-tools" with reasoning, text and a function_call).
const responsesRequest = {
  model: 'gpt-5-tools',
  instructions: 'You are a coding agent.',
  input: [{ role: 'user', content: [{ type: 'input_text', text: 'run the node tests' }] }],
  tools: [{ type: 'function', name: 'execute', parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } } } }],
};

function responseParts(response) {
  const output = response?.output ?? [];
  return {
    id: response?.id ?? null,
    status: response?.status ?? null,
    functionCalls: output.filter((i) => i.type === 'function_call').map((i) => ({ call_id: i.call_id, name: i.name, arguments: i.arguments })),
    encryptedContent: output.find((i) => i.type === 'reasoning')?.encrypted_content ?? null,
    usage: response?.usage ?? null,
  };
}

async function responsesJsonOnce(request) {
  const { data, response } = await client.responses.create(request).withResponse();
  return { httpStatus: response.status, headers: cachetteHeaders(response), text: data.output_text, ...responseParts(data) };
}

async function responsesStreamOnce(request) {
  const { data: stream, response } = await client.responses.create({ ...request, stream: true }).withResponse();
  const seen = { httpStatus: response.status, headers: cachetteHeaders(response), events: [], text: '', arguments: '' };
  let completed = null;
  for await (const event of stream) {
    seen.events.push(event.type);
    if (event.type === 'response.output_text.delta') seen.text += event.delta;
    if (event.type === 'response.function_call_arguments.delta') seen.arguments += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  return { ...seen, ...responseParts(completed) };
}

const results = { sdk: 'openai-node', sdkVersion: VERSION, node: process.version, baseURL };
try {
  results.chat = [await chatOnce(), await chatOnce()];
  results.toolsStream = [await streamOnce(toolsRequest), await streamOnce(toolsRequest)];
  results.crossMode = await crossModeOnce();
  const streamOptions = { stream_options: { include_usage: true } };
  results.usageStream = {
    fresh: await streamOnce({ ...usageRequest, ...streamOptions }),   // a new request: miss
    recorded: await streamOnce({ ...toolsRequest, ...streamOptions }), // the tools entry: hit
  };
  results.embeddings = [await embeddingsOnce(), await embeddingsOnce()];
  results.droppedStream = await droppedStreamOnce();
  const second = { ...responsesRequest, input: [{ role: 'user', content: [{ type: 'input_text', text: 'now fix the failing test' }] }] };
  results.responses = {
    json: await responsesJsonOnce(responsesRequest),          // miss
    streamFromJson: await responsesStreamOnce(responsesRequest), // hit: events synthesised
    stream: await responsesStreamOnce(second),                // miss
    streamAgain: await responsesStreamOnce(second),           // hit: the recorded events
    jsonFromStream: await responsesJsonOnce(second),          // hit: assembled
  };
  results.ok = true;
} catch (error) {
  results.ok = false;
  results.error = {
    name: error?.constructor?.name ?? typeof error,
    message: String(error?.message ?? error),
    status: error?.status ?? null,
    stack: String(error?.stack ?? ''),
  };
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exitCode = results.ok ? 0 : 1;

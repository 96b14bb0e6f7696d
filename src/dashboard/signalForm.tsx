import { useState } from 'preact/hooks';
import type { SignalDescription } from '../client';

type FieldKind = 'string' | 'number' | 'boolean';

interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly required: boolean;
}

/** Form fields for an event's simple properties; undefined when its schema needs raw JSON. */
export function fieldsOf(signal: SignalDescription): Field[] | undefined {
  const schema = signal.schema as
    | { properties?: Record<string, { type?: unknown }>; required?: unknown }
    | undefined;
  if (!schema?.properties) return undefined;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const fields: Field[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (name === 'type') continue;
    const kind = property.type === 'integer' ? 'number' : property.type;
    if (kind !== 'string' && kind !== 'number' && kind !== 'boolean') return undefined;
    fields.push({ name, kind, required: required.includes(name) });
  }
  return fields;
}

function eventFrom(type: string, fields: Field[], values: Record<string, string | boolean>) {
  const event: Record<string, unknown> = { type };
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined || value === '') continue;
    event[field.name] = field.kind === 'number' ? Number(value) : value;
  }
  return event as { type: string };
}

function FieldInput(props: {
  readonly id: string;
  readonly field: Field;
  readonly onValue: (value: string | boolean) => void;
}) {
  const { field, id } = props;
  if (field.kind === 'boolean') {
    return (
      <input
        id={id}
        name={field.name}
        type="checkbox"
        onInput={(e) => props.onValue(e.currentTarget.checked)}
      />
    );
  }
  if (field.kind === 'number') {
    return (
      <input
        id={id}
        name={field.name}
        type="number"
        required={field.required}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
    );
  }
  return (
    <input
      id={id}
      name={field.name}
      type="text"
      required={field.required}
      onInput={(e) => props.onValue(e.currentTarget.value)}
    />
  );
}

/** One event the run accepts now: a form from its JSON Schema (or a JSON box), and Send. */
export function SignalForm(props: {
  readonly signal: SignalDescription;
  readonly onSend: (event: { type: string }) => Promise<void>;
}) {
  const fields = fieldsOf(props.signal);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [json, setJson] = useState(JSON.stringify({ type: props.signal.type }));
  const [error, setError] = useState<string>();
  const send = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const body = fields
        ? eventFrom(props.signal.type, fields, values)
        : (JSON.parse(json) as { type: string });
      await props.onSend(body);
    } catch (failure) {
      setError((failure as Error).message ?? String(failure));
    }
  };
  return (
    <form class="signal-form" data-signal={props.signal.type} onSubmit={(e) => void send(e)}>
      <strong>{props.signal.type}</strong>
      {fields?.map((field) => (
        <span class="field" key={field.name}>
          <label htmlFor={`signal-${props.signal.type}-${field.name}`}>
            {field.name}
            {field.required ? ' *' : ''}
          </label>
          <FieldInput
            id={`signal-${props.signal.type}-${field.name}`}
            field={field}
            onValue={(value) => setValues((v) => ({ ...v, [field.name]: value }))}
          />
        </span>
      ))}
      {!fields && (
        <textarea
          name="event"
          rows={2}
          value={json}
          onInput={(e) => setJson(e.currentTarget.value)}
        />
      )}
      <button type="submit">Send {props.signal.type}</button>
      {error && <span class="error">{error}</span>}
    </form>
  );
}

/**
 * An XPC value as a typed, collapsible tree: every node shows its XPC type, containers their
 * count, leaves their value in the form a developer reads it (uuids upper-case, dates in UTC,
 * data as hex). The first two levels start open.
 */
import { useState, type ReactElement } from 'react';
import { formatRfc3339 } from '../../../app/xpc/rfc3339';
import { uuidToString, type XpcValue } from '../../../app/xpc/value';
import { ChevronIcon } from '../components/icons';

const CHILD_PAGE = 200;
const OPEN_DEPTH = 2;

export function ValueTree({ value, openAll = false }: { readonly value: XpcValue; readonly openAll?: boolean }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(() => (openAll ? allPaths(value) : defaultOpen(value)));
  const toggle = (path: string) => {
    const next = new Set(open);
    if (next.has(path)) next.delete(path);
    else next.add(path);
    setOpen(next);
  };
  return (
    <div className="tree" data-testid="detail-tree" role="tree">
      <Node value={value} label={undefined} path="$" depth={0} open={open} toggle={toggle} />
    </div>
  );
}

/** Expands or collapses every container of a value. */
export function allPaths(value: XpcValue): Set<string> {
  const paths = new Set<string>();
  const walk = (v: XpcValue, path: string): void => {
    if (v.type === 'dictionary') {
      paths.add(path);
      for (const [key, item] of v.entries) walk(item, `${path}.${key}`);
    } else if (v.type === 'array') {
      paths.add(path);
      v.items.forEach((item, i) => walk(item, `${path}[${i}]`));
    }
  };
  walk(value, '$');
  return paths;
}

function defaultOpen(value: XpcValue): Set<string> {
  const paths = new Set<string>();
  const walk = (v: XpcValue, path: string, depth: number): void => {
    if (depth >= OPEN_DEPTH) return;
    if (v.type === 'dictionary') {
      paths.add(path);
      for (const [key, item] of v.entries) walk(item, `${path}.${key}`, depth + 1);
    } else if (v.type === 'array') {
      paths.add(path);
      v.items.slice(0, 20).forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
    }
  };
  walk(value, '$', 0);
  return paths;
}

interface NodeProps {
  readonly value: XpcValue;
  readonly label: ReactElement | undefined;
  readonly path: string;
  readonly depth: number;
  readonly open: ReadonlySet<string>;
  readonly toggle: (path: string) => void;
}

function Node({ value, label, path, depth, open, toggle }: NodeProps) {
  const [shown, setShown] = useState(CHILD_PAGE);
  const container = value.type === 'dictionary' || value.type === 'array';
  const isOpen = container && open.has(path);
  const count = value.type === 'dictionary' ? value.entries.size : value.type === 'array' ? value.items.length : 0;
  const indent = { paddingLeft: depth * 14 };
  const row = (
    <div className="tree-row" style={indent} role="treeitem" aria-expanded={container ? isOpen : undefined} data-path={path}>
      {container ? (
        <button type="button" className={`disclosure ${isOpen ? 'open' : ''}`} aria-label={isOpen ? 'Collapse' : 'Expand'} onClick={() => toggle(path)}>
          <ChevronIcon size={10} />
        </button>
      ) : (
        <span className="disclosure-spacer" />
      )}
      {label}
      <span className={`type-badge ${value.type}`}>{value.type}</span>
      {container ? (
        <span className="tree-count">
          {count} {value.type === 'dictionary' ? (count === 1 ? 'key' : 'keys') : count === 1 ? 'item' : 'items'}
        </span>
      ) : (
        <Leaf value={value} />
      )}
    </div>
  );
  if (!isOpen) return row;
  const children: ReactElement[] = [];
  if (value.type === 'dictionary') {
    let i = 0;
    for (const [key, item] of value.entries) {
      if (i++ >= shown) break;
      children.push(
        <Node key={key} value={item} label={<span className="tree-key">{JSON.stringify(key)}</span>} path={`${path}.${key}`} depth={depth + 1} open={open} toggle={toggle} />,
      );
    }
  } else if (value.type === 'array') {
    value.items.slice(0, shown).forEach((item, i) => {
      children.push(<Node key={i} value={item} label={<span className="tree-index">[{i}]</span>} path={`${path}[${i}]`} depth={depth + 1} open={open} toggle={toggle} />);
    });
  }
  return (
    <>
      {row}
      {children}
      {count > shown && (
        <div className="tree-row" style={{ paddingLeft: (depth + 1) * 14 + 17 }}>
          <button type="button" className="link-button" onClick={() => setShown(shown + CHILD_PAGE * 5)}>
            Show {Math.min(count - shown, CHILD_PAGE * 5)} more of {count - shown} remaining…
          </button>
        </div>
      )}
    </>
  );
}

function Leaf({ value }: { readonly value: XpcValue }) {
  switch (value.type) {
    case 'null':
      return <span className="tree-value keyword">null</span>;
    case 'bool':
      return <span className="tree-value keyword">{String(value.value)}</span>;
    case 'int64':
    case 'uint64':
      return <span className="tree-value number">{value.value.toString()}</span>;
    case 'double':
      return <span className="tree-value number">{formatDouble(value.value)}</span>;
    case 'string':
      return (
        <span className="tree-value string" title={value.value.length > 80 ? value.value : undefined}>
          {JSON.stringify(value.value)}
        </span>
      );
    case 'date':
      return <span className="tree-value special">{formatRfc3339(value.value)}</span>;
    case 'data':
      return (
        <span className="tree-value special">
          {value.value.length} bytes{value.value.length > 0 ? ` · ${hexPreview(value.value)}` : ''}
        </span>
      );
    case 'uuid':
      return <span className="tree-value special">{uuidToString(value.value).toUpperCase()}</span>;
    case 'fd':
      return <span className="tree-value special">{value.path}</span>;
    case 'shmem':
      return <span className="tree-value special">{value.size.toLocaleString('en')} bytes</span>;
    case 'error':
      return <span className="tree-value string">{value.description}</span>;
    case 'endpoint':
      return <span className="tree-value special">→ {value.service}</span>;
    default:
      return null;
  }
}

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

function hexPreview(bytes: Uint8Array): string {
  let text = '';
  const n = Math.min(bytes.length, 16);
  for (let i = 0; i < n; i++) text += bytes[i]!.toString(16).padStart(2, '0') + (i % 4 === 3 ? ' ' : '');
  return text.trim() + (bytes.length > n ? ' …' : '');
}

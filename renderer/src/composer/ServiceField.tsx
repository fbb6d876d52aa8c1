/**
 * The service to send to: a text field that suggests every registered MachServices name (with
 * its job kind; daemons marked privileged) and accepts any other name — an unregistered one is
 * sent anyway, and the broker's CONNECTION_INVALID comes back as the outcome.
 */
import { useId, useMemo, useState } from 'react';
import { ChevronIcon } from '../components/icons';
import { useUi } from '../state/ui-store';
import { useComposer } from './composer-store';
import { KIND_LABELS, matchingServices, privilegedFor, serviceOptions, type ServiceOption } from './services';

export function ServiceField() {
  const jobs = useUi((s) => s.jobs);
  const service = useComposer((s) => s.draft.service);
  const privileged = useComposer((s) => s.draft.privileged);
  const edit = useComposer((s) => s.edit);
  const options = useMemo(() => serviceOptions(jobs), [jobs]);
  const [listOpen, setListOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [showAll, setShowAll] = useState(false);
  const listId = useId();

  // Right after picking, or on opening the list with the button, show every service rather than the matches.
  const shown = showAll ? options : matchingServices(options, service);
  const known = options.find((o) => o.name === service.trim());

  const pick = (option: ServiceOption) => {
    edit({ service: option.name, privileged: option.privileged });
    setListOpen(false);
  };

  const type = (value: string) => {
    // A registered name brings its lookup flag along; for other names the checkbox stays as set.
    edit({ service: value, privileged: privilegedFor(value.trim(), jobs) ?? privileged });
    setShowAll(false);
    setActive(0);
    setListOpen(true);
  };

  return (
    <div className="composer-field">
      <label className="composer-label" htmlFor={`${listId}-input`}>
        Service
      </label>
      <div className="composer-service">
        <div className="composer-combo">
          <input
            id={`${listId}-input`}
            type="text"
            className="composer-input mono"
            data-testid="composer-service"
            role="combobox"
            aria-expanded={listOpen}
            aria-controls={listId}
            aria-autocomplete="list"
            spellCheck={false}
            autoComplete="off"
            placeholder="com.example.service"
            value={service}
            onChange={(event) => type(event.target.value)}
            onFocus={() => {
              setShowAll(true);
              setListOpen(true);
            }}
            onBlur={() => setListOpen(false)}
            onKeyDown={(event) => {
              if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
                event.preventDefault();
                setListOpen(true);
                const step = event.key === 'ArrowDown' ? 1 : -1;
                setActive((current) => (shown.length === 0 ? 0 : (current + step + shown.length) % shown.length));
              } else if (event.key === 'Enter' && listOpen && shown[active] !== undefined && !event.metaKey && !event.ctrlKey) {
                event.preventDefault();
                pick(shown[active]!);
              } else if (event.key === 'Escape') {
                setListOpen(false);
              }
            }}
          />
          <button
            type="button"
            className="composer-combo-button"
            aria-label="Show registered services"
            tabIndex={-1}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => {
              setShowAll(true);
              setListOpen(!listOpen);
            }}
          >
            <ChevronIcon size={10} />
          </button>
          {listOpen && shown.length > 0 && (
            <div className="popover composer-service-list" id={listId} role="listbox" aria-label="Registered services">
              {shown.map((option, i) => (
                <button
                  type="button"
                  key={option.name}
                  role="option"
                  aria-selected={i === active}
                  className={`menu-item composer-service-option${i === active ? ' active' : ''}`}
                  data-testid="composer-service-option"
                  onMouseDown={(event) => event.preventDefault()}
                  onMouseEnter={() => setActive(i)}
                  onClick={() => pick(option)}
                >
                  <span className="mono name">{option.name}</span>
                  <span className="kind">{KIND_LABELS[option.kind]}</span>
                  {option.privileged && <span className="tag purple">privileged</span>}
                </button>
              ))}
            </div>
          )}
        </div>
        <label
          className="composer-check"
          title="Look the name up with XPC_CONNECTION_MACH_SERVICE_PRIVILEGED: launch daemons are found only with it, agents and XPC services only without it"
        >
          <input type="checkbox" data-testid="composer-privileged" checked={privileged} onChange={(event) => edit({ privileged: event.target.checked })} />
          Privileged
        </label>
      </div>
      <div className="composer-hint" data-testid="composer-service-hint">
        {service.trim() === '' ? (
          `${options.length} registered ${options.length === 1 ? 'service' : 'services'}; or type any name`
        ) : known !== undefined ? (
          <>
            {KIND_LABELS[known.kind]} <span className="mono">{known.job}</span>
            {known.privileged !== privileged && <span className="warn"> · {known.privileged ? 'a daemon needs the privileged lookup' : 'only daemons are found with the privileged lookup'}</span>}
          </>
        ) : (
          <span className="warn">Not registered with the broker: the connection will be invalidated.</span>
        )}
      </div>
    </div>
  );
}

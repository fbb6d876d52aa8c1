/**
 * A file that could not be opened as it is: which lines are bad and why, and — when the header
 * was readable — the choice to open the good lines anyway. Shown as a sheet over the window.
 */
import { useEffect } from 'react';
import { useUi } from '../state/ui-store';
import { keepGoodLines } from './capture-commands';
import { WarningIcon } from './capture-icons';

export function ImportProblemSheet() {
  const problem = useUi((s) => s.importProblem);
  const setProblem = useUi((s) => s.setImportProblem);

  useEffect(() => {
    if (problem === undefined) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setProblem(undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [problem, setProblem]);

  if (problem === undefined) return null;
  const first = problem.errors[0];
  const more = problem.errorCount - problem.errors.length;
  const one = problem.goodEvents === 1;
  const what = problem.format === 'description' ? (one ? 'description' : 'descriptions') : one ? 'event' : 'events';
  const What = problem.format === 'description' ? (one ? 'Message' : 'Messages') : one ? 'Event' : 'Events';
  return (
    <div className="sheet-backdrop">
      <div className="sheet" role="alertdialog" aria-modal="true" aria-labelledby="import-problem-title" data-testid="import-problem">
        <div className="sheet-head">
          <span className="sheet-icon">
            <WarningIcon size={28} />
          </span>
          <div>
            <h2 id="import-problem-title">
              {problem.canKeepGood ? `“${problem.fileName}” has ${problem.errorCount === 1 ? 'a bad line' : `${problem.errorCount.toLocaleString('en')} bad lines`}` : `“${problem.fileName}” cannot be opened`}
            </h2>
            {first !== undefined && (
              <p className="sheet-lead selectable" data-testid="import-problem-first">
                Line {first.line.toLocaleString('en')}: {first.message}
              </p>
            )}
          </div>
        </div>
        <ol className="line-errors selectable" data-testid="import-problem-lines">
          {problem.errors.map((error, index) => (
            <li key={`${error.line}-${index}`}>
              <span className="line-no">line {error.line.toLocaleString('en')}</span>
              <span className="line-message">{error.message}</span>
            </li>
          ))}
          {more > 0 && <li className="line-more">… and {more.toLocaleString('en')} more</li>}
        </ol>
        {problem.canKeepGood && (
          <p className="sheet-note">
            {problem.goodEvents.toLocaleString('en')} {what} could be read. Opening keeps them and skips the bad lines; the file itself is not changed.
          </p>
        )}
        <div className="sheet-actions">
          <button type="button" className="push-button" data-testid="import-problem-cancel" onClick={() => setProblem(undefined)}>
            {problem.canKeepGood ? 'Cancel' : 'OK'}
          </button>
          {problem.canKeepGood && (
            <button type="button" className="push-button primary" data-testid="keep-good-lines" autoFocus onClick={() => void keepGoodLines(problem)}>
              Open {problem.goodEvents.toLocaleString('en')} Good {What}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

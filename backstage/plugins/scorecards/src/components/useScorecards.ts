import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { scorecardsApiRef, type ScorecardsApi } from '../api/ScorecardsClient';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; error: Error }
  | { state: 'ready'; value: T };

/**
 * Runs `load` against the scorecards API whenever `key` changes; an answer
 * that arrives after the entity changed is dropped.
 */
export function useScorecards<T>(key: string, load: (api: ScorecardsApi) => Promise<T>): Loaded<T> {
  const api = useApi(scorecardsApiRef);
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let isCurrent = true;
    setLoaded({ state: 'loading' });
    load(api).then(
      value => isCurrent && setLoaded({ state: 'ready', value }),
      (error: unknown) =>
        isCurrent &&
        setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      isCurrent = false;
    };
    // `load` is a fresh closure each render; the key says when to reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);
  return loaded;
}

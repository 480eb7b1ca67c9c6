// Building blocks of the console: links, fields with their errors, dialogs (and the one confirmation
// of a destructive action), copy buttons, a failed load with Retry, Show more under a paged list, and
// the page for a lost path.
import { type ReactNode, useEffect, useId, useRef, useState } from 'react'
import { ApiError } from './api/client.ts'
import { navigate } from './router.ts'

export function Link(props: { to: string; children: ReactNode; className?: string; current?: boolean }) {
  return (
    <a
      href={props.to}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
        event.preventDefault()
        navigate(props.to)
      }}
    >
      {props.children}
    </a>
  )
}

export function errorText(error: unknown): string | undefined {
  if (!error) return undefined
  if (error instanceof ApiError) {
    const fields = error.problem.errors?.map((e) => `${e.path.replace(/^\//, '')} ${e.message}`).join('; ')
    return fields && error.problem.code === 'validation_failed' ? fields : error.message
  }
  return error instanceof Error ? error.message : String(error)
}

export function ErrorMessage({ error }: { error: unknown }) {
  const text = errorText(error)
  return text ? (
    <p className="error" role="alert">
      {text}
    </p>
  ) : null
}

export function Field(props: {
  label: string
  name: string
  type?: string
  value: string
  onChange: (value: string) => void
  required?: boolean
  autoComplete?: string
  hint?: string
  error?: string
  minLength?: number
  readOnly?: boolean
}) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        minLength={props.minLength}
        readOnly={props.readOnly}
        autoComplete={props.autoComplete}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.hint || props.error ? `${id}-note` : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {(props.error || props.hint) && (
        <small id={`${id}-note`} className={props.error ? 'error' : 'hint'}>
          {props.error ?? props.hint}
        </small>
      )}
    </div>
  )
}

/** A modal dialog: the native element traps focus, closes on Escape and gives focus back. */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (props.open && !dialog.open) dialog.showModal()
    if (!props.open && dialog.open) dialog.close()
  }, [props.open])
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={props.onClose}>
      <h2 id={titleId}>{props.title}</h2>
      {props.open && props.children}
    </dialog>
  )
}

/**
 * The confirmation of every destructive action: the dialog's title and its confirm button name what is
 * destroyed (e.g. "Revoke key"), the body says which one and what follows, and a refusal shows inside
 * the dialog. With `typeToConfirm`, the confirm button waits until that text is typed.
 */
export function ConfirmDialog(props: {
  title: string
  open: boolean
  /** The destructive button's words, e.g. "Delete API". */
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
  pending?: boolean
  error?: unknown
  typeToConfirm?: string
  children: ReactNode
}) {
  const [typed, setTyped] = useState('')
  useEffect(() => {
    if (!props.open) setTyped('')
  }, [props.open])
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm
  return (
    <Dialog title={props.title} open={props.open} onClose={props.onCancel}>
      <Form onSubmit={() => ready && !props.pending && props.onConfirm()}>
        {props.children}
        {props.typeToConfirm !== undefined && (
          <Field
            label={`Type ${props.typeToConfirm} to confirm`}
            name="confirmation"
            value={typed}
            onChange={setTyped}
            autoComplete="off"
          />
        )}
        <ErrorMessage error={props.error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={!ready || props.pending}>
            {props.confirmLabel}
          </button>
        </div>
      </Form>
    </Dialog>
  )
}

/** Whether the server said there is no such thing (or none this person may see: API.md answers 404). */
export const isNotFound = (error: unknown): boolean =>
  error instanceof ApiError && error.problem.status === 404

/** A load that failed, in place of what it would have shown, with Retry. */
export function LoadError(props: { what: string; error: unknown; onRetry: () => void; retrying?: boolean }) {
  return (
    <div className="load-error" role="alert">
      <p>
        Could not load {props.what}: {errorText(props.error)}
      </p>
      <button type="button" onClick={props.onRetry} disabled={props.retrying}>
        Retry
      </button>
    </div>
  )
}

/** Under a list read page by page (an infinite query): the next page, while there is one. */
export function ShowMore(props: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }
}) {
  return props.list.hasNextPage ? (
    <button
      type="button"
      className="secondary"
      onClick={() => void props.list.fetchNextPage()}
      disabled={props.list.isFetchingNextPage}
    >
      Show more
    </button>
  ) : null
}

/** The page for a path that leads nowhere (or nowhere this person may go), with the way back. */
export function NotFound(props: { message: ReactNode; back: { to: string; label: string } }) {
  useDocumentTitle('Page not found')
  return (
    <section aria-labelledby="not-found-title" className="not-found">
      <h1 id="not-found-title">Page not found</h1>
      <p>{props.message}</p>
      <p>
        <Link to={props.back.to}>{props.back.label}</Link>
      </p>
    </section>
  )
}

export function CopyButton(props: { value: string; label: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <button
      type="button"
      className="secondary"
      onClick={async () => {
        await navigator.clipboard.writeText(props.value)
        setCopied(true)
        setTimeout(() => setCopied(false), 2000)
      }}
    >
      {copied ? 'Copied' : props.label}
      <span className="visually-hidden" aria-live="polite">
        {copied ? `${props.label}: copied to the clipboard` : ''}
      </span>
    </button>
  )
}

/** A form whose submission runs `onSubmit` instead of reloading the page. */
export function Form(props: { onSubmit: () => void; className?: string; children: ReactNode }) {
  return (
    <form
      className={props.className}
      onSubmit={(event) => {
        event.preventDefault()
        props.onSubmit()
      }}
    >
      {props.children}
    </form>
  )
}

export function Loading() {
  return (
    <p className="muted" aria-busy="true">
      Loading…
    </p>
  )
}

export function useDocumentTitle(...parts: (string | undefined)[]) {
  const title = [...parts.filter(Boolean), 'Portico'].join(' · ')
  useEffect(() => {
    document.title = title
  }, [title])
}

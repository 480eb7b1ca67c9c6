// Building blocks of the console: links, fields with their errors, dialogs, copy buttons.
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

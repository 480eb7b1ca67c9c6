// Signing in and up, forgotten passwords, email verification.
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { ApiError, api, type Me } from '../api/client.ts'
import { navigate } from '../router.ts'
import { ErrorMessage, Field, Form, Link, useDocumentTitle } from '../ui.tsx'

/** The account's email, as every form here asks for it (browsers fill it in). */
function EmailField(props: { value: string; onChange: (value: string) => void; error?: string }) {
  return <Field label="Email" name="email" type="email" required autoComplete="email" {...props} />
}

/** A password being chosen: the server's rule (10 characters) said up front. */
function NewPasswordField(props: {
  label: string
  value: string
  onChange: (value: string) => void
  error?: string
}) {
  return (
    <Field
      name="password"
      type="password"
      required
      minLength={10}
      autoComplete="new-password"
      hint="At least 10 characters."
      {...props}
    />
  )
}

/** Where to go after signing in: back to an invitation, or home. */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next')
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/'
}

export function SignInPage() {
  useDocumentTitle('Sign in')
  const queryClient = useQueryClient()
  const [email, setEmail] = useState(new URLSearchParams(location.search).get('email') ?? '')
  const [password, setPassword] = useState('')
  const signIn = useMutation({
    mutationFn: () => api.signIn(email, password),
    onSuccess: async () => {
      // Another identity: every answer held so far was asked as someone else (or no one).
      await queryClient.invalidateQueries()
      navigate(nextPath(), { replace: true })
    },
  })
  return (
    <main className="auth">
      <h1>Sign in to Portico</h1>
      <Form onSubmit={() => signIn.mutate()}>
        <EmailField value={email} onChange={setEmail} />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          required
          autoComplete="current-password"
        />
        <ErrorMessage error={signIn.error} />
        <button type="submit" disabled={signIn.isPending}>
          Sign in
        </button>
      </Form>
      <p>
        <Link to={`/sign-up${location.search}`}>Create an account</Link> ·{' '}
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </main>
  )
}

export function SignUpPage() {
  useDocumentTitle('Create an account')
  const queryClient = useQueryClient()
  const params = new URLSearchParams(location.search)
  const [email, setEmail] = useState(params.get('email') ?? '')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const signUp = useMutation({
    mutationFn: () =>
      api.signUp({ email, name, password, invitationToken: params.get('invitation') ?? undefined }),
    onSuccess: async () => {
      // Another identity: every answer held so far was asked as someone else (or no one).
      await queryClient.invalidateQueries()
      navigate(nextPath(), { replace: true })
    },
  })
  const error = signUp.error instanceof ApiError ? signUp.error : undefined
  return (
    <main className="auth">
      <h1>Create your Portico account</h1>
      <Form onSubmit={() => signUp.mutate()}>
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          required
          autoComplete="name"
          error={error?.field('/name')}
        />
        <EmailField value={email} onChange={setEmail} error={error?.field('/email')} />
        <NewPasswordField
          label="Password"
          value={password}
          onChange={setPassword}
          error={error?.field('/password')}
        />
        <ErrorMessage error={error?.problem.errors ? undefined : signUp.error} />
        <button type="submit" disabled={signUp.isPending}>
          Create account
        </button>
      </Form>
      <p>
        Already have an account? <Link to={`/sign-in${location.search}`}>Sign in</Link>
      </p>
    </main>
  )
}

export function ForgotPasswordPage() {
  useDocumentTitle('Forgot password')
  const [email, setEmail] = useState('')
  const request = useMutation({ mutationFn: () => api.requestPasswordReset(email) })
  return (
    <main className="auth">
      <h1>Reset your password</h1>
      {request.isSuccess ? (
        <p role="status">If an account uses {email}, a link to choose a new password is on its way.</p>
      ) : (
        <Form onSubmit={() => request.mutate()}>
          <EmailField value={email} onChange={setEmail} />
          <ErrorMessage error={request.error} />
          <button type="submit" disabled={request.isPending}>
            Send the link
          </button>
        </Form>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </main>
  )
}

export function ResetPasswordPage({ token }: { token: string }) {
  useDocumentTitle('Choose a new password')
  const [password, setPassword] = useState('')
  const reset = useMutation({ mutationFn: () => api.confirmPasswordReset(token, password) })
  return (
    <main className="auth">
      <h1>Choose a new password</h1>
      {reset.isSuccess ? (
        <p role="status">
          Your password is changed and every session was signed out. <Link to="/sign-in">Sign in</Link>
        </p>
      ) : (
        <Form onSubmit={() => reset.mutate()}>
          <NewPasswordField label="New password" value={password} onChange={setPassword} />
          <ErrorMessage error={reset.error} />
          <button type="submit" disabled={reset.isPending}>
            Set password
          </button>
        </Form>
      )}
    </main>
  )
}

export function VerifyEmailPage({ token }: { token: string }) {
  useDocumentTitle('Verify email')
  const verify = useMutation({ mutationFn: () => api.confirmEmail(token) })
  const { mutate } = verify
  useEffect(() => mutate(), [mutate])
  return (
    <main className="auth">
      <h1>Email verification</h1>
      {verify.isPending && <p aria-busy="true">Verifying…</p>}
      {verify.isSuccess && (
        <p role="status">
          {verify.data.user.email} is verified. <Link to="/">Continue</Link>
        </p>
      )}
      <ErrorMessage error={verify.error} />
    </main>
  )
}

/**
 * For a person signed in with an email not yet verified: what waits on it, and a new link on demand
 * (the old ones keep working until one is used).
 */
export function ResendVerification({ me }: { me: Me }) {
  const resend = useMutation({ mutationFn: api.resendEmailVerification })
  if (me.user.emailVerified) return null
  return (
    <div className="verify-email">
      <p>{me.user.email} is not verified yet: open the link we mailed you.</p>
      <button type="button" className="secondary" onClick={() => resend.mutate()} disabled={resend.isPending}>
        Resend verification email
      </button>
      <p role="status">{resend.isSuccess ? `A new link is on its way to ${me.user.email}.` : ''}</p>
      <ErrorMessage error={resend.error} />
    </div>
  )
}
